import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** packages/tasker */
export const PACKAGE_DIR = fileURLToPath(new URL("../../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../../bin/tasker-ctl.js", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Variables that would make a run depend on the machine it runs on. */
const AMBIENT = [
  "DATABASE_URL",
  "ORCHESTRATION_URL",
  "TASKER_API_KEY",
  "TASKER_API_KEYS",
  "TASKER_AUTH_ENABLED",
  "TASKER_TEMPLATE_PATH",
  "TASKER_CONFIG_PATH",
  "TASKER_WORKER_NAMESPACES",
  "TASKER_ENV",
  "FORCE_COLOR",
];

/** A predictable environment: no ambient tasker settings, no colour, source (not dist) CLI. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TASKER_CTL_FROM_SOURCE: "1" };
  for (const name of AMBIENT) delete env[name];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

/** Runs `node bin/tasker-ctl.js ...args` to completion. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PACKAGE_DIR,
      env: cliEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `tasker-ctl ${args.join(" ")} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 90_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a JSON command and parses its stdout, failing with the output when it is not JSON. */
export async function runCliJson<T = unknown>(
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliResult & { json: T }> {
  const result = await runCli([...args, "--json"], options);
  try {
    return { ...result, json: JSON.parse(result.stdout) as T };
  } catch {
    throw new Error(
      `expected JSON from tasker-ctl ${args.join(" ")} (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
}

export interface LongRunning {
  child: ChildProcess;
  /** The first match of `ready` in stderr. */
  match: RegExpMatchArray;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number>;
}

/** Starts a long-running command (serve, worker) and resolves once `ready` appears on stderr. */
export function startCli(
  args: readonly string[],
  options: RunOptions & { ready: RegExp },
): Promise<LongRunning> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PACKAGE_DIR,
      env: cliEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let exited: Promise<number> | undefined;
    const exit = new Promise<number>((done) => {
      child.on("close", (code, signal) => done(code ?? (signal ? 128 : -1)));
    });
    const handle = (match: RegExpMatchArray): LongRunning => ({
      child,
      match,
      output: () => ({ stdout, stderr }),
      stop(graceMs = 60_000) {
        exited ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          const code = await exit;
          clearTimeout(timer);
          return code;
        })();
        return exited;
      },
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`tasker-ctl ${args.join(" ")} did not become ready\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 120_000);
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      const match = stderr.match(options.ready);
      if (match) {
        clearTimeout(timer);
        resolve(handle(match));
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `tasker-ctl ${args.join(" ")} exited with ${code} before it was ready\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    });
  });
}

/** Polls `task get --json` until the task reaches `status` (or fails the test with the last state). */
export async function waitForTaskStatus(
  taskUuid: string,
  status: string,
  apiArgs: readonly string[],
  options: RunOptions & { deadlineMs?: number } = {},
): Promise<{ status: string; steps: { name: string; current_state: string }[] }> {
  const deadline = Date.now() + (options.deadlineMs ?? 90_000);
  for (;;) {
    const { json } = await runCliJson<{ status: string; steps: { name: string; current_state: string }[] }>(
      ["task", "get", taskUuid, ...apiArgs],
      options,
    );
    if (json.status === status) return json;
    if (Date.now() > deadline) throw new Error(`task ${taskUuid} is ${json.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
