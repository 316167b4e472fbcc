// Threat 12 on a rehearsed kiosk (docs/security.md, the threat table): a process of
// another OS user (`nobody`) inside kiosk-1 asks its UI server for every page's login, reads the
// credential files as the rehearsal installed them, and tries its nats-server over TCP and the
// websocket without a login. The probe is the one the integration tests run (local-user-probe.mjs),
// here inside the box's network and mount namespaces, against the production paths and ports.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRODUCTION_LEAF } from '../production/nats-site.ts';
import type { Harness } from './bring-up.ts';
import { onBox, runInBox, type Box } from './boxes.ts';
import type { Step } from './steps.ts';

const PROBE = fileURLToPath(new URL('./local-user-probe.mjs', import.meta.url));
const PAGES = ['kiosk', 'staff', 'inspector', 'dashboard'];
/** The UI server's port on a kiosk (kiosk.env's HTTP_PORT, the page's origin). */
const UI_PORT = 8080;
const NOBODY_UID = 65534;

interface ProbeResult {
  uid: number;
  pages: Record<string, { status: number; error?: string; gotLogin: boolean }>;
  tcp: Record<string, string>;
  websocket: Record<string, string>;
  files: Record<string, string>;
}

/** Every file on the kiosk that holds a login or a key, at the path its part reads it from. */
async function credentialFiles(h: Harness, box: Box): Promise<string[]> {
  const inDir = async (path: string, keep: (name: string) => boolean) =>
    (await readdir(onBox(box, path))).filter(keep).map((name) => join(path, name));
  const files = [
    ...(await inDir('/etc/moeaca-kiosk/credentials', (name) => name.endsWith('.json'))),
    '/var/lib/moeaca-kiosk/ui/credentials/browser.json',
    '/etc/moeaca-kiosk/nats/nats.conf',
    '/etc/moeaca-kiosk/nats/hub-link.conf',
    ...(await inDir('/etc/moeaca-kiosk/tls', (name) => name.endsWith('.key'))),
  ];
  // Each part's LoadCredential= copies, in the directory its $CREDENTIALS_DIRECTORY names.
  for (const part of h.parts[box.name] ?? []) {
    if (part.credentialsDirectory === undefined) continue;
    for (const name of await readdir(part.credentialsDirectory)) files.push(join(part.credentialsDirectory, name));
  }
  return files;
}

/** What the probe got, as failures (empty when it got nothing). */
function whatItGot(probe: ProbeResult): string[] {
  const got: string[] = [];
  if (probe.uid !== NOBODY_UID) got.push(`the probe ran as uid ${probe.uid}, not nobody`);
  for (const page of PAGES) {
    const answer = probe.pages[page];
    if (answer?.status !== 403 || answer.error !== 'LOGIN_PEER_REFUSED' || answer.gotLogin) got.push(`/config.json?page=${page}: ${JSON.stringify(answer)}`);
  }
  for (const [file, outcome] of Object.entries(probe.files)) if (outcome !== 'EACCES') got.push(`${file}: ${outcome}`);
  const tried = Object.keys(probe.tcp);
  if (tried.length !== 1 || tried[0] !== '(anonymous)') got.push(`it found logins to try: ${tried.join(', ')}`);
  for (const [way, outcome] of [['TCP', probe.tcp['(anonymous)']], ['websocket', probe.websocket['(anonymous)']]] as const) {
    if (!/Authorization Violation/.test(outcome ?? '')) got.push(`NATS over ${way} without a login: ${outcome}`);
  }
  return got;
}

export function localUserStep(harness: () => Harness, boxName: string): Step {
  return {
    name: `a local user (nobody) on ${boxName} gets no login, no credential file, no connection`,
    run: async () => {
      const h = harness();
      const box = h.boxes.find((b) => b.name === boxName)!;
      const files = await credentialFiles(h, box);
      const input = { httpUrl: `http://127.0.0.1:${UI_PORT}`, natsPort: PRODUCTION_LEAF.clientPort, wsPort: PRODUCTION_LEAF.websocketPort, files };
      const out = await runInBox(box, h.releaseDir, [process.execPath, PROBE, JSON.stringify(input)], { user: 'nobody' });
      const probe = JSON.parse(out) as ProbeResult;
      const got = whatItGot(probe);
      if (got.length > 0) throw new Error(got.join('; '));
      return (
        `uid ${probe.uid}: 403 LOGIN_PEER_REFUSED for ${PAGES.length} pages, EACCES on ${files.length} files ` +
        `(credentials/*.json, the UI's browser.json, nats.conf, hub-link.conf, the TLS key, the parts' LoadCredential= copies), ` +
        `Authorization Violation over TCP :${input.natsPort} and websocket :${input.wsPort}`
      );
    },
  };
}
