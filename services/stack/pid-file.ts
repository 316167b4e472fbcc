// `DATA_DIR/stack.pid`: which launcher owns the data dir and which processes it runs (nats-server
// and the parts), each as pid + kernel start time so that a pid reused by an unrelated process is
// never taken for ours. A launcher killed by SIGKILL cannot stop its nats-server (which runs in its
// own process group); the next start reads this file and stops what is left, or refuses while the
// launcher that wrote it still runs (docs/operations.md).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../platform/log.ts';

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: ticks since boot when the process started. */
  startTime: string;
}

interface PidFileContent {
  launcher: ProcessIdentity;
  processes: Record<string, ProcessIdentity>;
}

export const PID_FILE_NAME = 'stack.pid';

/** The start time of a live (not zombie) process, or undefined when there is none with that pid. */
export function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces: the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return undefined;
  return fields[19];
}

export function identityOf(pid: number): ProcessIdentity | undefined {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** The same process still runs (not merely the same pid). */
export function isAlive(identity: ProcessIdentity): boolean {
  return startTimeOf(identity.pid) === identity.startTime;
}

function readContent(path: string): PidFileContent | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as PidFileContent;
    if (typeof parsed.launcher?.pid !== 'number' || typeof parsed.processes !== 'object') return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** Polls /proc: a process that is not our child gives no exit event. */
async function waitUntilGone(identity: ProcessIdentity, withinMs: number): Promise<boolean> {
  const giveUp = Date.now() + withinMs;
  while (isAlive(identity)) {
    if (Date.now() > giveUp) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function stopLeftover(name: string, identity: ProcessIdentity, log: Logger): Promise<void> {
  log.warn('stopping a process left running by a stack that was killed', { process: name, pid: identity.pid });
  try {
    process.kill(identity.pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitUntilGone(identity, 5_000)) return;
  log.warn('it did not stop on SIGTERM; killing it', { process: name, pid: identity.pid });
  try {
    process.kill(identity.pid, 'SIGKILL');
  } catch {
    return;
  }
  if (!(await waitUntilGone(identity, 5_000))) throw new Error(`${name} (pid ${identity.pid}) left by a killed stack would not stop`);
}

export interface StackPidFile {
  readonly path: string;
  /** Records (or, with undefined, forgets) the pid of one of the stack's processes. */
  set(name: string, pid: number | undefined): void;
  /** A clean stop: nothing of ours runs any more. */
  remove(): void;
}

/**
 * Takes the data dir for this launcher. A live launcher in the pid file: refuse, naming its pid.
 * A dead one: stop every process it left (parts first, nats-server last), then write our own file.
 */
export async function claimDataDir(dataDir: string, log: Logger): Promise<StackPidFile> {
  const path = join(dataDir, PID_FILE_NAME);
  const previous = readContent(path);
  if (previous !== undefined && previous.launcher.pid !== process.pid && isAlive(previous.launcher)) {
    throw new Error(
      `another stack (launcher pid ${previous.launcher.pid}) is running with DATA_DIR ${dataDir}; ` +
        `stop it (kill ${previous.launcher.pid}), or set DATA_DIR and the ports for a second one`,
    );
  }
  if (previous !== undefined) {
    const leftovers = Object.entries(previous.processes).filter(([, identity]) => isAlive(identity));
    // The parts first: they would only reconnect to a server that is about to go.
    leftovers.sort(([a], [b]) => Number(a === 'nats-server') - Number(b === 'nats-server'));
    for (const [name, identity] of leftovers) await stopLeftover(name, identity, log);
  }

  const launcher = identityOf(process.pid);
  if (launcher === undefined) throw new Error('cannot read this process in /proc');
  const content: PidFileContent = { launcher, processes: {} };
  const write = () => {
    // Written whole and renamed into place: a reader never sees half a file.
    writeFileSync(`${path}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  };
  write();
  return {
    path,
    set(name, pid) {
      const identity = pid === undefined ? undefined : identityOf(pid);
      if (identity === undefined) delete content.processes[name];
      else content.processes[name] = identity;
      write();
    },
    remove() {
      rmSync(path, { force: true });
    },
  };
}
