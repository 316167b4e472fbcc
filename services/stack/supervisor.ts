// Keeps one process of the stack running: nats-server and every part alike. Each exit gets a log
// line; an exit while the stack is not stopping is followed by a restart after a back-off that
// doubles with every exit in the last minute (0.5 s … 30 s), so a crash loop neither spins nor hides.
import { spawn } from 'node:child_process';
import { watchChildExit, type ChildExit } from '../../platform/child-exit.ts';
import type { Logger } from '../../platform/log.ts';

export type ProcessExit = ChildExit;

/** One run of a supervised process. */
export interface RunningProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  /** SIGTERM, SIGKILL if it lingers; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface SupervisorHooks {
  log: Logger;
  /** Called with the pid of every run (the pid file records it). */
  onStarted?(name: string, pid: number): void;
  /** Called after every exit, restart or not. */
  onExited?(name: string, exit: ProcessExit): void;
}

export interface Supervised {
  readonly name: string;
  /** The pid of the current run, if one is running. */
  pid(): number | undefined;
  /**
   * No more restarts from now on (the stack is stopping): an exit after this is logged as a stop.
   * Called for every process first, since a signal to the process group reaches them all at once.
   */
  standDown(): void;
  /** Stops it for good (no restart) and waits until it has exited. */
  stop(): Promise<void>;
}

const WINDOW_MS = 60_000;

export function restartDelay(exitsInLastMinute: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, exitsInLastMinute - 1));
}

/**
 * Runs `start` and runs it again whenever what it started exits, until `stop()`. `first`, if
 * given, is a run already started (the launcher starts nats-server once by hand, to fail fast
 * with a clear message when its ports are taken).
 */
export function supervise(name: string, start: () => Promise<RunningProcess>, hooks: SupervisorHooks, first?: RunningProcess): Supervised {
  let stopping = false;
  let current: RunningProcess | undefined;
  let wakeFromBackoff: (() => void) | undefined;
  let exits: number[] = [];

  const backoff = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeFromBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wakeFromBackoff = undefined;
    });

  const noteExit = (detail: Record<string, unknown>) => {
    const now = Date.now();
    exits = exits.filter((at) => now - at < WINDOW_MS).concat(now);
    const inMs = restartDelay(exits.length);
    hooks.log.error(`${name} exited; restarting`, { part: name, ...detail, exitsLastMinute: exits.length, inMs });
    return inMs;
  };

  const loop = async () => {
    let run = first;
    while (!stopping) {
      if (run === undefined) {
        try {
          run = await start();
        } catch (error) {
          if (stopping) return;
          await backoff(noteExit({ error: (error as Error).message }));
          continue;
        }
        if (stopping) {
          await run.stop();
          return;
        }
        // The first run of a part the loop starts itself is a start; only a run after an exit is a restart.
        hooks.log.info(exits.length === 0 ? `${name} started` : `${name} restarted`, { part: name, pid: run.pid });
      }
      current = run;
      hooks.onStarted?.(name, run.pid);
      const exit = await run.exited;
      current = undefined;
      run = undefined;
      hooks.onExited?.(name, exit);
      if (stopping) {
        hooks.log.info(`${name} stopped`, { part: name, code: exit.code, signal: exit.signal });
        return;
      }
      await backoff(noteExit({ code: exit.code, signal: exit.signal }));
    }
  };
  const done = loop().catch((error: unknown) => hooks.log.error(`${name}: supervisor failed`, { part: name, error }));

  return {
    name,
    pid: () => current?.pid,
    standDown() {
      stopping = true;
      wakeFromBackoff?.();
    },
    async stop() {
      this.standDown();
      await current?.stop();
      await done;
    },
  };
}

/**
 * Starts a part as its own process, with an IPC channel that it never uses for messages: when the
 * launcher dies, even by SIGKILL, the channel closes and the part stops itself (lifecycle.ts).
 */
export function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunningProcess> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { exited, stop } = watchChildExit(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve({ pid: child.pid ?? -1, exited, stop }));
  });
}
