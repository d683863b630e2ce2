// Graceful shutdown on SIGINT / SIGTERM: run the steps in order (each logged, none allowed to
// block the next), then exit. A second signal exits at once.
import type { Logger } from "@tasker-ts/tasker";

export type ShutdownStep = [name: string, stop: () => Promise<unknown> | unknown];

export function onShutdown(logger: Logger, steps: () => ShutdownStep[]): void {
  let stopping = false;
  const handler = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    let failed = false;
    for (const [name, stop] of steps()) {
      try {
        await stop();
      } catch (err) {
        failed = true;
        logger.error({ err, step: name }, "shutdown step failed");
      }
    }
    logger.info("stopped");
    process.exit(failed ? 1 : 0);
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}
