// Clean shutdown on SIGINT/SIGTERM: stop what was started, in reverse order, once.
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
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void stopAll().then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return stopAll;
}
