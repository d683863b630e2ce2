// Runs documented shell blocks one after another as one reader would type them: variables and
// the working directory carry over from block to block, and long-running commands (servers) run
// in the background until the session ends.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BlockResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface Background {
  name: string;
  child: ChildProcess;
  log: string[];
  exited: Promise<void>;
}

/** Variables of the test runner that must not leak into the commands under test. */
const SCRUBBED =
  /^(VITEST|npm_|INIT_CWD$|DATABASE_URL$|APP_DATABASE_URL$|TASKER_|ORCHESTRATION_|PORT$|NODE_ENV$|TEST$)/;

export function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!SCRUBBED.test(key)) env[key] = value;
  return { ...env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1", ...extra };
}

export class ShellSession {
  private readonly stateDir: string;
  private readonly backgrounds: Background[] = [];
  private counter = 0;

  constructor(
    private readonly startDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    // Outside the directory under test, so the commands see only what a reader would have.
    this.stateDir = mkdtempSync(join(tmpdir(), "tasker-docs-shell-"));
    writeFileSync(join(this.stateDir, "cwd"), this.startDir);
    writeFileSync(join(this.stateDir, "env.sh"), "");
  }

  /** The script that restores the previous block's state, runs `code` and saves the state. */
  private script(code: string, saveState: boolean): string {
    const state = this.stateDir;
    const path = join(state, `block-${++this.counter}.sh`);
    writeFileSync(
      path,
      [
        "set -a",
        `. "${state}/env.sh"`,
        `cd "$(cat "${state}/cwd")"`,
        "set -eo pipefail",
        code,
        ...(saveState
          ? [
              "set +e",
              `pwd > "${state}/cwd"`,
              `export -p | grep -v -E '^declare -[a-z]*r' > "${state}/env.sh"`,
            ]
          : []),
        "",
      ].join("\n"),
    );
    return path;
  }

  /** Runs a block to the end; resolves with its exit code and output (never rejects). */
  run(code: string, timeoutMs: number): Promise<BlockResult> {
    const child = spawn("bash", [this.script(code, true)], { env: this.env, detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    return new Promise((resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child, "SIGKILL");
      }, timeoutMs);
      child.on("close", (exitCode) => {
        clearTimeout(timer);
        resolve({ exitCode, stdout, stderr, timedOut });
      });
    });
  }

  /** Starts a block in the background (its own process group) and keeps its output. */
  start(name: string, code: string): Background {
    const child = spawn("bash", [this.script(code, false)], {
      env: this.env,
      detached: true,
    });
    const log: string[] = [];
    child.stdout?.on("data", (d) => log.push(String(d)));
    child.stderr?.on("data", (d) => log.push(String(d)));
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    const background = { name, child, log, exited };
    this.backgrounds.push(background);
    return background;
  }

  /** The last `chars` characters of every background process's output. */
  backgroundLogs(chars = 4000): string {
    return this.backgrounds
      .map(
        (b) => `--- ${b.name} (exit ${b.child.exitCode ?? "running"}) ---\n${b.log.join("").slice(-chars)}`,
      )
      .join("\n");
  }

  /** Stops background processes gracefully (SIGTERM to the group), then forcefully. */
  async stopAll(graceMs = 20_000): Promise<void> {
    await Promise.all(
      this.backgrounds.map(async (b) => {
        if (b.child.exitCode !== null) return;
        killGroup(b.child, "SIGTERM");
        const stopped = await Promise.race([
          b.exited.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), graceMs)),
        ]);
        if (!stopped) {
          killGroup(b.child, "SIGKILL");
          await b.exited;
        }
      }),
    );
  }

  /** The working directory the last block ended in. */
  cwd(): string {
    return readFileSync(join(this.stateDir, "cwd"), "utf8").trim();
  }

  /** Stops everything and removes the session's state files. */
  async close(): Promise<void> {
    await this.stopAll();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `url` until it answers 2xx, the process exits, or the time is up. */
export async function waitForUrl(url: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`the background command exited before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (${last})`);
}
