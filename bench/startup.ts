// Start-up time of `npm start` (the example app, embedded on PGlite) as a user runs it: a real
// process started from the repository root, timed from spawn to the ready banner, then stopped
// with Ctrl-C (SIGINT to its process group) and waited for.
//
//   first: a brand-new checkout: a new data folder, empty caches (TASKER_CACHE_DIR) and the
//          compiled start rebuilt
//   fresh: a new data folder with the caches a first run left (after `rm -rf .data`)
//   warm:  the same data folder again (every later `npm start`)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchResult, emptyResult } from "./results.js";
import { round } from "./stats.js";

export const STARTS = ["first", "fresh", "warm"] as const;
export type Start = (typeof STARTS)[number];

/** What the app prints once it serves requests (examples/hono-app/src/main.ts). */
export const READY_PATTERN = /hono-app is running/;

export interface StartRun {
  /** Spawn to the ready banner. */
  readyMs: number;
  /**
   * Spawn to the first line the program printed, npm's own `> script` echo aside (how long a user
   * waits in silence).
   */
  firstOutputMs: number | null;
  /** Everything it printed before the banner. */
  output: string;
  /**
   * CPU time (user + system) the process group had used when it was ready, on Linux (else null):
   * on a loaded machine wall time is mostly waiting for a core, this is the work itself.
   */
  cpuMs: number | null;
}

export interface MeasureStartOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  ready?: RegExp;
  timeoutMs?: number;
}

/** A process started by `launch`, ready; `stop()` ends its whole process group. */
export interface Launched extends StartRun {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a command in its own process group and resolves once a line matches `ready`, with the
 * process still running (`stop()` sends SIGINT to the group, SIGKILL after 20 s, and waits).
 * Rejects with what the process printed when it exits or times out before being ready. Output
 * printed later is read and dropped, so a chatty process never blocks on a full pipe.
 */
export async function launch(options: MeasureStartOptions): Promise<Launched> {
  const ready = options.ready ?? READY_PATTERN;
  const t0 = performance.now();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let firstOutputMs: number | null = null;
  let cpuMs: number | null = null;
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready after ${options.timeoutMs ?? 180_000} ms:\n${output}`)),
        options.timeoutMs ?? 180_000,
      );
      let isReady = false;
      const onData = (chunk: Buffer) => {
        if (isReady) return;
        const text = chunk.toString();
        if (firstOutputMs === null && text.split("\n").some((l) => l.trim() !== "" && !l.startsWith(">"))) {
          firstOutputMs = performance.now() - t0;
        }
        output += text;
        if (ready.test(output)) {
          isReady = true;
          clearTimeout(timer);
          const at = performance.now() - t0;
          cpuMs = child.pid === undefined ? null : groupCpuMs(child.pid);
          resolve(at);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${signal ?? code}) before it was ready:\n${output}`));
      });
    });
    return { readyMs, firstOutputMs, output, cpuMs, child, stop: () => stopGroup(child) };
  } catch (err) {
    await stopGroup(child);
    throw err;
  }
}

/** `launch`, then stop the process at once: the time to ready of one start. */
export async function measureStart(options: MeasureStartOptions): Promise<StartRun> {
  const { child: _child, stop, ...run } = await launch(options);
  await stop();
  return run;
}

/**
 * User + system CPU time of the live processes in a process group, from /proc (clock ticks of
 * 10 ms); null where there is no /proc. Processes of the group that already exited (npm's own
 * children) are not counted.
 */
export function groupCpuMs(pgid: number): number | null {
  let dirs: string[];
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  let ticks = 0;
  for (const pid of dirs) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command (which may hold spaces) in parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue; // field 5: pgrp
      ticks += Number(fields[11]) + Number(fields[12]); // fields 14, 15: utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10;
}

/** SIGINT to the process group (as Ctrl-C does), SIGKILL if it has not exited after 20 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  signal("SIGINT");
  const timer = setTimeout(() => signal("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
  // The group may outlive its leader (npm exits before its child): wait until nobody is left.
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  signal("SIGKILL");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StartupBenchOptions {
  /** Repository root whose `npm start` is measured (default the working directory). */
  root?: string;
  /** Warm starts measured (after the first and fresh ones). */
  runs: number;
  say?: (line: string) => void;
}

/** `npm start` from a brand-new checkout, from a new data folder, and warm: one result each. */
export async function benchStartup(options: StartupBenchOptions): Promise<BenchResult[]> {
  const root = options.root ?? process.cwd();
  const scratch = mkdtempSync(join(tmpdir(), "tasker-bench-start-"));
  const say = options.say ?? (() => undefined);
  try {
    const run = async (dataDir: string, cacheDir: string, first = false) => {
      const [port, orchestrationPort] = [await freePort(), await freePort()];
      const {
        PORT: _p,
        ORCHESTRATION_PORT: _o,
        DATABASE_URL: _d,
        APP_DATABASE_URL: _a,
        ...env
      } = process.env;
      return measureStart({
        command: "npm",
        args: ["start"],
        cwd: root,
        env: {
          ...env,
          PORT: String(port),
          ORCHESTRATION_PORT: String(orchestrationPort),
          TASKER_DATA_DIR: dataDir,
          TASKER_CACHE_DIR: cacheDir,
          // A new checkout has no compiled start yet either (examples/hono-app/scripts/start.mjs).
          ...(first ? { TASKER_COMPILED_START: "rebuild" } : {}),
          TASKER_MESSAGING_BACKEND: "postgres",
          TASKER_LOG_LEVEL: "warn",
          LOG_LEVEL: "warn",
        },
      });
    };
    const cache = join(scratch, "cache");
    const times: Record<Start, number[]> = { first: [], fresh: [], warm: [] };
    const silence: Record<Start, number[]> = { first: [], fresh: [], warm: [] };
    const cpu: Record<Start, number[]> = { first: [], fresh: [], warm: [] };
    const record = (start: Start, r: StartRun) => {
      times[start].push(r.readyMs);
      if (r.firstOutputMs !== null) silence[start].push(r.firstOutputMs);
      if (r.cpuMs !== null) cpu[start].push(r.cpuMs);
      say(
        `[startup] ${start}: ready in ${(r.readyMs / 1000).toFixed(2)} s (first output after ${((r.firstOutputMs ?? 0) / 1000).toFixed(2)} s, CPU ${r.cpuMs === null ? "?" : `${(r.cpuMs / 1000).toFixed(2)} s`})`,
      );
    };
    record("first", await run(join(scratch, "data-first"), cache, true));
    record("fresh", await run(join(scratch, "data-fresh"), cache));
    for (let i = 0; i < options.runs; i++) record("warm", await run(join(scratch, "data-fresh"), cache));
    return STARTS.map((start) => {
      const sorted = [...times[start]].sort((a, b) => a - b);
      const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return {
        ...emptyResult({
          system: "tasker",
          backend: "pglite",
          transport: "postgres",
          workflow: null,
          mode: "startup",
          concurrency: 1,
          runs: sorted.length,
        }),
        startup: start,
        p50_ms: round(pick(0.5), 0),
        p95_ms: round(pick(0.95), 0),
        p99_ms: round(pick(0.99), 0),
        first_output_ms: round(Math.max(...silence[start], 0), 0),
        cpu_ms: cpu[start].length > 0 ? round(median(cpu[start]), 0) : null,
      };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
