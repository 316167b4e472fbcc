// The box is the boundary (docs/security.md, threat 12): on `npm start`'s stack, a process of
// another OS user (`nobody`) gets no page login from /config.json, no NATS connection and no
// credential file, while the stack's own user (the browser's, here root) still gets its logins.
// The probe is a real process under another uid (runuser), not a forged header: the UI server
// tells users apart by the kernel's owner of the connecting socket.
import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFile } from '../../services/stack/credentials/index.ts';
import { startE2eStack, type E2eStack } from '../support/e2e-stack.ts';

const PROBE = fileURLToPath(new URL('../../deploy/site/local-user-probe.mjs', import.meta.url));
const PAGES = ['kiosk', 'staff', 'inspector', 'dashboard'] as const;
const USERS = ['registry', 'card-agent', 'engine', 'ui', 'staff-auth', 'stack', 'admin', 'staff', 'inspector', 'dashboard', 'browser'];

interface ProbeResult {
  uid: number;
  pages: Record<string, { status: number; error?: string; gotLogin: boolean }>;
  tcp: Record<string, string>;
  websocket: Record<string, string>;
  files: Record<string, string>;
}

let stack: E2eStack;

async function probeAs(user: string): Promise<ProbeResult> {
  const input = {
    httpUrl: stack.httpUrl,
    natsPort: stack.ports.nats,
    wsPort: stack.ports.natsWs,
    files: [...USERS.map((name) => credentialsFile(stack.dataDir, name)), join(stack.dataDir, 'nats', 'nats-server.conf')],
  };
  const { stdout } = await promisify(execFile)('runuser', ['-u', user, '--', process.execPath, PROBE, JSON.stringify(input)]);
  return JSON.parse(stdout) as ProbeResult;
}

beforeAll(async () => {
  stack = await startE2eStack({ kioskId: 'kiosk-boundary' });
  // Only the credentials folder's own mode stands between another user and the logins: the data
  // dir itself is opened up as an operator's might be.
  await chmod(stack.dataDir, 0o755);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a local process of another user (nobody) on the embedded stack', () => {
  let probe: ProbeResult;
  beforeAll(async () => {
    probe = await probeAs('nobody');
  }, 60_000);

  it('runs as nobody', () => {
    expect(probe.uid).toBe(65534);
  });

  it('gets no login from /config.json for any page, with a clear refusal', () => {
    for (const page of PAGES) {
      expect(probe.pages[page], page).toEqual({ status: 403, error: 'LOGIN_PEER_REFUSED', gotLogin: false });
    }
  });

  it('can read no credential file and not the server config', () => {
    for (const [file, outcome] of Object.entries(probe.files)) expect(outcome, file).toBe('EACCES');
  });

  it('gets no NATS connection, over TCP or the websocket', () => {
    // Nothing found above, so anonymous is all it can try; the server has no anonymous user.
    expect(Object.keys(probe.tcp)).toEqual(['(anonymous)']);
    expect(probe.tcp['(anonymous)']).toMatch(/Authorization Violation/);
    expect(probe.websocket['(anonymous)']).toMatch(/Authorization Violation/);
  });

  it('is logged as refused, without any login in the line', () => {
    const refusals = stack.output.filter((line) => line.text.includes('page login refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(PAGES.length);
    expect(refusals.some((line) => line.text.includes('"peerUid":65534'))).toBe(true);
    for (const user of USERS) {
      const { pass } = stack.login(user);
      for (const line of refusals) expect(line.text).not.toContain(pass);
    }
  });
});

describe('the browser\'s user (the stack\'s own, root)', () => {
  it('still gets each page\'s login and connects with it', async () => {
    const probe = await probeAs('root');
    expect(probe.uid).toBe(0);
    for (const page of PAGES) expect(probe.pages[page], page).toEqual({ status: 200, gotLogin: true });
    // The kiosk page's login works on the websocket, as the page uses it (websocket-only user).
    expect(probe.websocket.browser).toBe('connected');
    expect(probe.tcp['(anonymous)']).toMatch(/Authorization Violation/);
  }, 60_000);
});
