import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** packages/tasker/bin/tasker-ctl.js: the CLI as users run it (from source, through tsx). */
export const TASKER_CTL = fileURLToPath(new URL("../../bin/tasker-ctl.js", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
export const HANDLERS_DIR = `${FIXTURES}handlers`;
export const TEMPLATES_DIR = `${FIXTURES}templates`;

/** Settings from the developer's shell that must not leak into the processes under test. */
const AMBIENT = [
  "DATABASE_URL",
  "TASKER_API_KEY",
  "TASKER_API_KEYS",
  "TASKER_AUTH_ENABLED",
  "TASKER_TEMPLATE_PATH",
  "TASKER_CONFIG_PATH",
  "TASKER_WORKER_NAMESPACES",
  "TASKER_ENV",
  "FORCE_COLOR",
];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything written to stdout and stderr so far, interleaved. */
  output(): string;
  /** The JSON (pino) lines of the output, parsed. */
  logs(): Record<string, unknown>[];
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends `signal` and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; the exit and how long it took. */
  terminate(graceMs: number): Promise<Exit & { ms: number; forced: boolean }>;
}

const running = new Set<RunningProcess>();

export interface StartOptions {
  name: string;
  /** Arguments after `node`. */
  args: readonly string[];
  env?: Record<string, string | undefined>;
  /** The process is ready when its output matches. */
  ready: RegExp;
  timeoutMs?: number;
}

/** Starts a child process and resolves once its output matches `ready` (fails if it exits first). */
export function startProcess(options: StartOptions): Promise<RunningProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    TASKER_CTL_FROM_SOURCE: "1",
    TASKER_LOG_LEVEL: "warn",
  };
  for (const name of AMBIENT) delete env[name];
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [...options.args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const proc: RunningProcess = {
    name: options.name,
    child,
    pid: child.pid ?? -1,
    output: () => output,
    logs: () =>
      output.split("\n").flatMap((line) => {
        if (!line.startsWith("{")) return [];
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async terminate(graceMs) {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      let forced = false;
      const timer = setTimeout(() => {
        forced = true;
        child.kill("SIGKILL");
      }, graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return { ...exit, ms: Date.now() - started, forced };
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.name} did not become ready in time; output:\n${output.slice(-4000)}`));
    }, options.timeoutMs ?? 90_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (options.ready.test(output)) {
        clearTimeout(timer);
        resolve(proc);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name} exited (${exit.code ?? exit.signal}) before it was ready; output:\n${output.slice(-4000)}`,
        ),
      );
    });
  });
}

/** `tasker-ctl <args>` as a long-running process (serve, worker). */
export function startTaskerCtl(
  name: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
): Promise<RunningProcess> {
  return startProcess({ name, args: [TASKER_CTL, ...args], env, ready });
}

/** A TypeScript fixture under reliability/fixtures, run as `node --import tsx <file>`. */
export function startFixture(
  name: string,
  file: string,
  env: Record<string, string | undefined>,
): Promise<RunningProcess> {
  return startProcess({ name, args: ["--import", "tsx", `${FIXTURES}${file}`], env, ready: /^READY/m });
}

/** Runs `tasker-ctl <args>` to completion (bounded), for commands that must fail fast. */
export function runTaskerCtl(
  args: readonly string[],
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<Exit & { output: string; ms: number; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const envAll: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TASKER_CTL_FROM_SOURCE: "1" };
    for (const n of AMBIENT) delete envAll[n];
    Object.assign(envAll, env);
    const child = spawn(process.execPath, [TASKER_CTL, ...args], {
      env: envAll,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Date.now() - started, timedOut });
    });
  });
}

/** Kills whatever a failed scenario left running, so no process outlives the suite. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill("SIGKILL")));
}
