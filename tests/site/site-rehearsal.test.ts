// The reduced site rehearsal (`npm run site -- rehearse --reduced --keep`): three hub nodes, one
// kiosk and the staff desk, each in its own network namespace, every part from its systemd unit as
// its own user, TLS, the release build; path A by touch, a card locked and unlocked by staff signed
// in with a passkey, the unlock in RA_AUDIT, a local user (nobody) on the kiosk getting nothing,
// the site checking itself. Then `site check` on the
// same live site must refuse it once the registry may not write its audit, and once the kiosk's
// own server lets a client in without a login (an anonymous user). `npm run site -- stop` removes it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { SiteJson } from '../../deploy/site/site-file.ts';
import { until } from '../support/until.ts';

const ROOT = join(import.meta.dirname, '../..');
/** The rehearsal is long on a shared machine: this only bounds a hung run. */
const HUNG = 3_600_000;

function npmSite(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'site', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** The process group leaders of a box's nats-server as the rehearsal recorded them. */
async function natsServerPids(site: SiteJson, box: string): Promise<number[]> {
  const group = site.boxes.find((b) => b.name === box)!.parts.find((p) => p.unit === 'kiosk-nats.service')!.pid;
  const { execFileSync } = await import('node:child_process');
  return execFileSync('ps', ['-eo', 'pid=,pgid=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, comm]) => Number(pgid) === group && comm === 'nats-server')
    .map(([pid]) => Number(pid));
}

/** When a box's nats-server last (re)loaded its config, from its monitor port. */
async function configLoadTime(site: SiteJson, box: string): Promise<string> {
  const port = site.boxes.find((b) => b.name === box)!.relayed['8222'];
  return ((await (await fetch(`http://127.0.0.1:${port}/varz`)).json()) as { config_load_time: string }).config_load_time;
}

/** Rewrites a box's nats.conf and reloads that server (kiosk-nats.service's ExecReload: SIGHUP). */
async function reconfigure(site: SiteJson, box: string, edit: (config: string) => string): Promise<() => Promise<void>> {
  const file = join(site.boxes.find((b) => b.name === box)!.root, 'etc/moeaca-kiosk/nats/nats.conf');
  const original = await readFile(file, 'utf8');
  const edited = edit(original);
  expect(edited).not.toBe(original);
  const reload = async (text: string) => {
    const loaded = await configLoadTime(site, box);
    await writeFile(file, text);
    for (const pid of await natsServerPids(site, box)) process.kill(pid, 'SIGHUP');
    // A reload is asynchronous: the server's /varz says when it has taken the new config.
    await until(async () => ((await configLoadTime(site, box)) !== loaded ? true : undefined), `${box} reloaded its config`);
  };
  await reload(edited);
  return () => reload(original);
}

/** Whether a client without credentials gets in on a box's client port (undefined while the server is down). */
async function anonymousAdmitted(site: SiteJson, box: string): Promise<boolean | undefined> {
  const port = site.boxes.find((b) => b.name === box)!.relayed['4222'];
  try {
    await (await connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: 0, reconnect: false })).close();
    return true;
  } catch (error) {
    return /Authorization Violation/.test(String(error)) ? false : undefined;
  }
}

/**
 * Rewrites a box's nats.conf and stops its nats-server, which the unit's restart loop starts again
 * on the new config; waits until the server answers as the new config says (`expect`).
 */
async function restartWith(site: SiteJson, box: string, edit: (config: string) => string, expect_: 'anonymous' | 'logins only'): Promise<() => Promise<void>> {
  const file = join(site.boxes.find((b) => b.name === box)!.root, 'etc/moeaca-kiosk/nats/nats.conf');
  const original = await readFile(file, 'utf8');
  const edited = edit(original);
  expect(edited).not.toBe(original);
  const restart = async (text: string, admitted: boolean) => {
    await writeFile(file, text);
    for (const pid of await natsServerPids(site, box)) process.kill(pid, 'SIGTERM');
    await until(async () => ((await anonymousAdmitted(site, box)) === admitted ? true : undefined), `${box}'s nats-server back up, ${admitted ? 'admitting' : 'refusing'} a client without credentials`);
  };
  await restart(edited, expect_ === 'anonymous');
  return () => restart(original, false);
}

describe('the reduced site rehearsal (npm run site -- rehearse --reduced)', () => {
  let rehearsal: { code: number; output: string };
  let site: SiteJson;
  let siteFile: string;

  beforeAll(async () => {
    rehearsal = await npmSite(['rehearse', '--reduced', '--keep']);
    siteFile = /kept running: (\S+)/.exec(rehearsal.output)?.[1] ?? '';
    if (siteFile !== '') site = JSON.parse(await readFile(siteFile, 'utf8')) as SiteJson;
  }, HUNG);

  afterAll(async () => {
    const stopped = await npmSite(['stop']);
    expect(stopped.code, stopped.output).toBe(0);
  }, HUNG);

  it('passes every step, the last line saying so', () => {
    const lines = rehearsal.output.trim().split('\n');
    expect(rehearsal.code, rehearsal.output).toBe(0);
    expect(lines.at(-1)).toMatch(/^site rehearsal: (\d+)\/\1 steps passed$/);
    for (const step of ['path A on kiosk-1', 'LOCKED', 'signed in at the desk with a passkey', 'RA_AUDIT names the staff member', 'a local user (nobody) on kiosk-1 gets no login, no credential file, no connection', 'site check on this site']) {
      expect(lines.some((line) => line.startsWith('ok') && line.includes(step)), step).toBe(true);
    }
  });

  it('site check refuses the site once the registry may not write its audit', async () => {
    expect((await npmSite(['check', siteFile])).code).toBe(0);
    const restores: Array<() => Promise<void>> = [];
    for (const hub of site.boxes.filter((b) => b.kind === 'hub')) {
      restores.push(await reconfigure(site, hub.name, (config) => config.replace(', "ra.audit.staff.>"]', ']')));
    }
    try {
      const refused = await npmSite(['check', siteFile]);
      expect(refused.code, refused.output).toBe(1);
      expect(refused.output).toMatch(/FAIL +registry: may write its audit/);
    } finally {
      for (const restore of restores) await restore();
    }
  }, HUNG);

  it('site check refuses a kiosk whose own server lets a client in without a login', async () => {
    // An anonymous user on the kiosk's server again (as before per-part logins): no_auth_user. nats-server
    // does not reload that setting, so the server is restarted on it (the unit's Restart=always).
    const restore = await restartWith(site, 'kiosk-1', (config) => config.replace(/^accounts \{/m, 'no_auth_user: "engine"\n\naccounts {'), 'anonymous');
    try {
      const refused = await npmSite(['check', siteFile]);
      expect(refused.code, refused.output).toBe(1);
      expect(refused.output).toMatch(/FAIL +kiosk-1: a client without credentials is refused/);
    } finally {
      await restore();
    }
  }, HUNG);
});
