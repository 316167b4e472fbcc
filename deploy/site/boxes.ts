// One box of the rehearsed site (a hub node, a kiosk, a staff desk): its network namespace, its own
// copy of the production paths (/etc/moeaca-kiosk, /var/lib/moeaca-kiosk, /var/lib/moeaca-nats,
// /run/pcscd, /etc/chromium/policies/managed) bound over those paths in a private mount namespace,
// and the release at /opt/moeaca-kiosk. Each part is started from its systemd unit as systemd would
// start it: the unit's User=, its Environment= and EnvironmentFile= (the files win), its
// StateDirectory= made and owned by that user, its LoadCredential= files copied into a directory
// only that user can read, named by $CREDENTIALS_DIRECTORY, and its ExecStartPre=/ExecStart=.
import { chmod, chown, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureMountPoint, ensureUser, recordProcess, run, runWithEnv, startGroup, type RunState } from './host.ts';
import { parseEnvironmentFile, partEnvironment, readUnit, unitSettings, SYSTEMD_DIR } from './unit-file.ts';

export type BoxKind = 'hub' | 'kiosk' | 'desk';

export interface Box {
  name: string;
  kind: BoxKind;
  namespace: string;
  address: string;
  /** This box's files; `<root>/etc/moeaca-kiosk` is its /etc/moeaca-kiosk, and so on. */
  root: string;
}

export const RELEASE_PATH = '/opt/moeaca-kiosk';
/** The production paths a box has its own copy of (relative path under the box root = the path). */
export const BOX_PATHS = ['/etc/moeaca-kiosk', '/var/lib/moeaca-kiosk', '/var/lib/moeaca-nats', '/var/lib/moeaca-kiosk-browser', '/run/pcscd', '/etc/chromium/policies/managed'] as const;

/** A production path as the host sees this box's copy of it. */
export function onBox(box: Box, path: string): string {
  return join(box.root, path);
}

export async function prepareBox(state: RunState, box: Box): Promise<void> {
  for (const path of BOX_PATHS) {
    await ensureMountPoint(state, path);
    await mkdir(onBox(box, path), { recursive: true, mode: 0o755 });
  }
  await ensureMountPoint(state, RELEASE_PATH);
  await mkdir(join(box.root, 'log'), { recursive: true });
  await mkdir(join(box.root, 'run', 'credentials'), { recursive: true, mode: 0o755 });
}

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** The shell lines that give a process this box's view of the production paths. */
function bindLines(box: Box, releaseDir: string): string[] {
  return [
    ...BOX_PATHS.map((path) => `mount --bind ${shellQuote(onBox(box, path))} ${shellQuote(path)} || exit 1`),
    `mount --bind ${shellQuote(releaseDir)} ${RELEASE_PATH} || exit 1`,
  ];
}

/** `ip netns exec <box> unshare --mount … sh -c <binds; script>`: a command line run inside the box. */
export function inBox(box: Box, releaseDir: string, script: string): string[] {
  const lines = [...bindLines(box, releaseDir), script];
  return ['ip', 'netns', 'exec', box.namespace, 'unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', lines.join('\n')];
}

/** Runs a command in the box as `user` (root when absent) and waits for it. */
export async function runInBox(box: Box, releaseDir: string, command: readonly string[], options: { user?: string; env?: Record<string, string> } = {}): Promise<string> {
  const [binary, ...args] = inBox(box, releaseDir, asUser(command, options.user));
  return runWithEnv(binary!, args, { ...BASE_ENV, ...(options.env ?? {}) });
}

/**
 * The command as `user` (root when absent). The environment is not on the command line (a process
 * list would show every secret in it): the launcher is spawned with exactly the part's environment,
 * which sh, unshare and runuser pass on.
 */
function asUser(command: readonly string[], user: string | undefined): string {
  // -p: systemd's environment as given (HOME, USER and LOGNAME are set in it, as systemd sets them).
  const run = user === undefined ? [] : ['runuser', '-p', '-u', shellQuote(user), '--'];
  return [...run, ...command.map(shellQuote)].join(' ');
}

const BASE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

export interface StartedPart {
  unit: string;
  user: string;
  pid: number;
  credentialsDirectory?: string;
  dataDirs: string[];
  log: string;
}

/** Starts `unit` on `box` as systemd would (see the top of this file). `extraEnv` is for the rehearsal's stand-ins only (SOFTHSM2_CONF). */
export async function startPart(
  state: RunState,
  box: Box,
  releaseDir: string,
  unitName: string,
  options: { extraEnv?: Record<string, string>; execStart?: (words: string[]) => string[] } = {},
): Promise<StartedPart> {
  const unit = await readUnit(unitName);
  await ensureUser(state, unit.user);
  const dataDirs: string[] = [];
  for (const directory of unit.stateDirectories) {
    // StateDirectory=a/b: /var/lib/a root-owned, /var/lib/a/b owned by the user, StateDirectoryMode.
    const path = onBox(box, join('/var/lib', directory));
    await mkdir(path, { recursive: true });
    await run('chown', [`${unit.user}:${unit.group}`, path]);
    await chmod(path, 0o700);
    dataDirs.push(path);
  }
  let credentialsDirectory: string | undefined;
  if (unit.credentials.length > 0) {
    credentialsDirectory = join(box.root, 'run', 'credentials', unitName);
    await mkdir(credentialsDirectory, { recursive: true });
    for (const credential of unit.credentials) {
      const target = join(credentialsDirectory, credential.name);
      await copyFile(onBox(box, credential.source), target);
      await run('chown', [`${unit.user}:${unit.group}`, target]);
      await chmod(target, 0o400);
    }
    await run('chown', [`${unit.user}:${unit.group}`, credentialsDirectory]);
    await chmod(credentialsDirectory, 0o500);
  }
  const files = await Promise.all(unit.environmentFiles.map(async (file) => parseEnvironmentFile(await readFile(onBox(box, file), 'utf8'))));
  const env = { ...partEnvironment(unit, files, credentialsDirectory ?? ''), ...(options.extraEnv ?? {}) };
  const home = env.HOME ?? '/nonexistent';
  const settings = unitSettings(await readFile(join(SYSTEMD_DIR, unitName), 'utf8'));
  // ExecStartPre= lines that are plain commands (nats-server -t); shell loops that wait are the rehearsal's own waits.
  const pre = settings.filter(([key, value]) => key === 'ExecStartPre' && !value.startsWith('/bin/sh')).map(([, value]) => value.split(/\s+/));
  const main = options.execStart === undefined ? unit.execStart : options.execStart(unit.execStart);
  const cd = `cd ${shellQuote(unit.workingDirectory ?? '/')}`;
  // Restart=always with RestartSec=, as systemd does: the part comes back after a crash.
  const restartSec = Number(settings.find(([key]) => key === 'RestartSec')?.[1] ?? '0');
  const always = settings.some(([key, value]) => key === 'Restart' && value === 'always');
  const once = [...pre.map((words) => `${asUser(words, unit.user)} || exit 1`), asUser(main, unit.user)];
  const script = [cd, ...(always ? ['while :; do', ...once, `echo "[rehearsal] ${unitName} exited $?: restart in ${restartSec} s"`, `sleep ${restartSec}`, 'done'] : [...once.slice(0, -1), `exec ${once.at(-1)}`])].join('\n');
  const log = join(box.root, 'log', `${unitName}.log`);
  const [binary, ...args] = inBox(box, releaseDir, script);
  const pid = await startGroup(binary!, args, log, { ...BASE_ENV, ...env, HOME: home, USER: unit.user, LOGNAME: unit.user });
  await recordProcess(state, pid, box.name, `${box.name}/${unitName}`);
  return { unit: unitName, user: unit.user, pid, credentialsDirectory, dataDirs, log };
}

/** Writes a root-owned file on the box (mode as given), making its directory. */
export async function writeOnBox(box: Box, path: string, text: string, mode = 0o644, owner?: string): Promise<void> {
  const target = onBox(box, path);
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(target, text, { mode });
  await chmod(target, mode);
  if (owner !== undefined) await run('chown', [owner, target]);
}

export async function copyToBox(box: Box, source: string, path: string, mode: number, owner?: string): Promise<void> {
  const target = onBox(box, path);
  await mkdir(join(target, '..'), { recursive: true });
  await copyFile(source, target);
  await chmod(target, mode);
  if (owner !== undefined) await run('chown', [owner, target]);
  else await chown(target, 0, 0);
}
