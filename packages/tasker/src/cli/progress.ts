import type { CliContext } from "./context.js";
import type { CliStream, Output } from "./output.js";

export interface Progress {
  /** The current state of the long operation, e.g. `steps_in_process 40% [...]`. */
  update(text: string): void;
  /** Clears the live line (a final result is printed by the caller). */
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

/**
 * Progress on stderr. On a terminal, one line redrawn in place with a spinner and the elapsed
 * time; elsewhere (logs, CI), a plain line whenever the text changes; `quiet` prints nothing.
 */
export function createProgress(
  stream: CliStream,
  options: { live: boolean; quiet?: boolean; label?: string; now?: () => number },
): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const label = options.label ? `${options.label} ` : "";
  let text = "";
  if (options.quiet) return { update() {}, stop() {} };

  if (!options.live) {
    return {
      update(next) {
        if (next === text) return;
        text = next;
        stream.write(`${label}${next}\n`);
      },
      stop() {},
    };
  }

  let frame = 0;
  const draw = () => {
    const elapsed = Math.floor((now() - started) / 1000);
    stream.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${label}${text} ${elapsed}s`);
  };
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  return {
    update(next) {
      text = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write("\r\u001b[2K");
    },
  };
}

/** Progress of a command's slow start (opening PGlite, migrating) on stderr; silent with --json. */
export function startupProgress(ctx: CliContext, out: Output, command: string): Progress {
  return createProgress(ctx.io.stderr, {
    live: ctx.io.stderr.isTTY === true,
    quiet: out.json,
    label: `tasker-ctl ${command}:`,
  });
}
