import { colourEnabled, createStyle, type Style } from "./style.js";

/** Where the CLI writes; process streams in production, anything with `write` in tests. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * How a command talks to its user: results on stdout (human text, or JSON with `--json`),
 * warnings, errors and progress on stderr, so `--json` output can be piped safely.
 */
export class Output {
  /** Styling for stdout (results). */
  readonly style: Style;
  /** Styling for stderr (diagnostics, progress). */
  readonly errStyle: Style;

  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {
    this.style = createStyle(!json && colourEnabled(io.stdout, io.env));
    this.errStyle = createStyle(colourEnabled(io.stderr, io.env));
  }

  /** A line of human output; ignored in --json mode (the JSON document is the whole output). */
  line(text = ""): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** The result document in --json mode. */
  data(value: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** `--json` prints `value`; otherwise `human()` prints the human form. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.data(value);
    else human();
  }

  /** A note about what happened, for humans (stderr, so it never pollutes results). */
  note(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`${this.errStyle.yellow("warning:")} ${text}\n`);
  }

  error(text: string): void {
    this.io.stderr.write(`${this.errStyle.red("error:")} ${text}\n`);
  }
}
