// How the launcher and the tests end a child process (nats-server, or a part of the stack): one
// promise of how it exited, and one stop that asks with SIGTERM and insists with SIGKILL when the
// child lingers, so a hung process never holds up a shutdown.
import type { ChildProcess } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How long a child may take over its own shutdown after SIGTERM. */
const STOP_GRACE_MS = 5_000;

/** Watches a freshly spawned child: call it at once, before the child can exit unobserved. */
export function watchChildExit(child: ChildProcess): { exited: Promise<ChildExit>; stop: () => Promise<void> } {
  const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
