// Workers over the worker protocol, one process per SDK, for the bench's "remote" part: each SDK's
// conformance worker program (its no-op `conformance.step`), serving a namespace of its own on
// the bench engine's orchestration server. The engine (and its orchestrator and server) run in the
// bench process; each worker is a separate process as in a real deployment, so it has the
// machine's other core to itself.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchEngine } from "./tasker-engine.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** An SDK's worker program: how to start it, and whether this machine can. */
export interface WorkerProgram {
  sdk: string;
  command: string[];
  available: () => boolean;
}

const onPath = (bin: string) =>
  (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(`${dir}/${bin}`));

/** Every SDK's conformance worker, as `.ci/run` builds or installs them. */
export const WORKER_PROGRAMS: readonly WorkerProgram[] = [
  {
    sdk: "typescript",
    command: ["npx", "tsx", "conformance/workers/typescript.ts"],
    available: () => true,
  },
  {
    sdk: "python",
    command: [".venv-ci/bin/python", "-m", "tasker_sdk.conformance"],
    available: () => existsSync(`${ROOT}.venv-ci/bin/python`),
  },
  {
    sdk: "rust",
    command: ["target/release/conformance-worker"],
    available: () => existsSync(`${ROOT}target/release/conformance-worker`),
  },
  {
    sdk: "ruby",
    command: ["ruby", "sdks/ruby/bin/conformance-worker"],
    available: () => onPath("ruby") && existsSync(`${ROOT}sdks/ruby/bin/conformance-worker`),
  },
];

const LINEAR5 = (namespace: string) =>
  [
    "name: linear5",
    `namespace_name: ${namespace}`,
    "version: 1.0.0",
    "steps:",
    "  - { name: a, handler: { callable: conformance.step } }",
    "  - { name: b, handler: { callable: conformance.step }, dependencies: [a] }",
    "  - { name: c, handler: { callable: conformance.step }, dependencies: [b] }",
    "  - { name: d, handler: { callable: conformance.step }, dependencies: [c] }",
    "  - { name: e, handler: { callable: conformance.step }, dependencies: [d] }",
  ].join("\n");

/** One SDK's worker process serving `bench_<sdk>` on a bench engine's server. */
export class RemoteWorkerProcess {
  private child: ChildProcess | undefined;
  private output = "";
  readonly namespace: string;

  constructor(
    readonly program: WorkerProgram,
    readonly engine: BenchEngine,
  ) {
    this.namespace = `bench_${program.sdk.slice(0, 10)}`;
  }

  /** Registers the namespace's linear5 and starts the worker at `concurrency`. */
  async start(concurrency: number): Promise<void> {
    const url = await this.engine.serverUrl();
    const registered = await fetch(`${url}/v1/templates`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ yaml: LINEAR5(this.namespace) }),
    });
    if (!registered.ok)
      throw new Error(`registering ${this.namespace}/linear5 answered ${registered.status}`);
    const [bin, ...args] = this.program.command;
    this.output = "";
    const child = spawn(bin!, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        TASKER_URL: url,
        TASKER_NAMESPACES: this.namespace,
        WORKER_CONCURRENCY: String(concurrency),
        LOG_LEVEL: "warn",
        TASKER_LOG_LEVEL: "warn",
        RUST_LOG: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.on("data", (d) => {
      this.output = (this.output + d).slice(-4000);
    });
    child.stderr?.on("data", (d) => {
      this.output = (this.output + d).slice(-4000);
    });
    this.child = child;
    const until = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`the ${this.program.sdk} worker exited (${child.exitCode}):\n${this.output}`);
      }
      const listed = (await fetch(`${url}/v1/worker/workers`).then((r) => r.json())) as {
        workers: { namespaces: string[]; status: string }[];
      };
      if (listed.workers.some((w) => w.status === "running" && w.namespaces.includes(this.namespace))) return;
      if (Date.now() > until)
        throw new Error(`the ${this.program.sdk} worker did not register:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One linear5 task through this worker: create -> completed, in milliseconds. */
  async runOnce(): Promise<number> {
    const start = performance.now();
    const uuid = await this.create();
    const done = await this.engine.tracker.wait(uuid, 60_000);
    if (!done.ok)
      throw new Error(`linear5 task ${uuid} on the ${this.program.sdk} worker failed: ${done.detail}`);
    return done.at - start;
  }

  async create(): Promise<string> {
    const { task } = await this.engine.tasker.client.createTask({
      namespace: this.namespace,
      name: "linear5",
    });
    return task.task_uuid;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const force = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    }, 10_000);
    await exited;
    clearTimeout(force);
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
