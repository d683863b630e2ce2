import { type CliIo, Output } from "./output.js";

/** What every command gets: its streams and a place to leave its exit code. */
export class CliContext {
  /** Set by a command that finished but must report failure (e.g. a task ended in error). */
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  output(options: { json?: boolean }): Output {
    return new Output(this.io, options.json === true);
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }
}

/**
 * Resolves with the signal name on the first SIGINT or SIGTERM, for long-running commands
 * (serve, worker) that shut down gracefully. A second signal forces the exit.
 */
export function waitForShutdownSignal(
  onForce: () => void = () => process.exit(130),
): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) return onForce();
      received = true;
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
