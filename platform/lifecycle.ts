// Clean shutdown on SIGINT/SIGTERM: stop what was started, in reverse order, once. A part started
// by the launcher (`npm start`) also stops when the launcher is gone, even killed by SIGKILL: the
// IPC channel the launcher opened closes, and nothing of a dead stack keeps running.
export type Stopper = () => Promise<void> | void;

export function onShutdown(stoppers: Stopper[], log: (msg: string) => void = () => {}): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const stop of [...stoppers].reverse()) {
        try {
          await stop();
        } catch (error) {
          log(`shutdown step failed: ${(error as Error).message}`);
        }
      }
    })();
    return stopping;
  };
  const stopAndExit = (why: string) => {
    log(`${why}: stopping`);
    void stopAll().then(() => process.exit(0));
  };
  // `on`, not `once`: a second signal (from the terminal and from the launcher) must not kill the
  // part half-way through its shutdown.
  process.on('SIGINT', () => stopAndExit('SIGINT'));
  process.on('SIGTERM', () => stopAndExit('SIGTERM'));
  stopWhenLauncherIsGone(() => stopAndExit('launcher gone'));
  return stopAll;
}

/** Only for a process started with an IPC channel (the launcher's parts); others are unaffected. */
function stopWhenLauncherIsGone(stop: () => void): void {
  if (process.channel === undefined) return;
  process.once('disconnect', stop);
  // The channel alone must not keep the process alive.
  process.channel.unref();
}
