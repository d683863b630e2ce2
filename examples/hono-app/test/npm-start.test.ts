// `npm start` as a user runs it (scripts/start.mjs, the compiled start): it says what it is doing
// while it starts, keeps everything in one PGlite database under one lock, prints the address it
// really listens on, and a second process on the same data folder fails at once naming the first.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "hono-app-start-"));
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await gone;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts the app; resolves with its output once `until` matches it, or once it exits. */
async function start(until: RegExp): Promise<{ child: ChildProcess; output: string; exited: boolean }> {
  const [port, orchestrationPort] = [await freePort(), await freePort()];
  const { DATABASE_URL: _d, APP_DATABASE_URL: _a, ORCHESTRATION_URL: _o, ...env } = process.env;
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: appDir,
    env: {
      ...env,
      PORT: String(port),
      ORCHESTRATION_PORT: String(orchestrationPort),
      TASKER_DATA_DIR: dataDir,
      TASKER_MESSAGING_BACKEND: "postgres",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) resolve({ child, output, exited: false });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", () => resolve({ child, output, exited: true }));
  });
}

describe("npm start (scripts/start.mjs)", () => {
  it("prints progress, then a banner with the real listen address; one database, one lock", async () => {
    const first = await start(/hono-app is running[\s\S]*Try it/);
    expect(first.exited, first.output).toBe(false);
    const lines = first.output.split("\n");
    const banner = lines.findIndex((l) => l.startsWith("hono-app is running"));
    const progress = lines.slice(0, banner).filter((l) => /^hono-app: .* \(\d+\.\d s\)$/.test(l));
    expect(progress.map((l) => l.replace(/ \(\d+\.\d s\)$/, ""))).toEqual(
      expect.arrayContaining(["hono-app: starting", `hono-app: opening ${dataDir}/tasker (PGlite)`]),
    );
    expect(first.output).toMatch(/app: +http:\/\/localhost:\d+ .*listening on all interfaces, port \d+/);
    expect(first.output).toMatch(/orchestration: +http:\/\/127\.0\.0\.1:\d+\/v1\/tasks/);

    // A task the app creates through its own client is counted on the API's /metrics (it was not).
    const app = /app: +(http:\/\/localhost:\d+)/.exec(first.output)![1]!;
    const api = /orchestration: +(http:\/\/127\.0\.0\.1:\d+)\/v1\/tasks/.exec(first.output)![1]!;
    const order = await fetch(`${app}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        customer_email: "ada@example.com",
        items: [{ sku: "WIDGET-001", quantity: 1 }],
        payment_info: { method: "card", token: "tok_visa" },
      }),
    });
    expect(order.status).toBe(201);
    const placed = (await order.json()) as { id: number; task_uuid: string };
    // The task links back to the order: a tag with the order's page, a link on the dashboard.
    const rowUrl = `${app}/orders/${placed.id}`;
    const task = (await (await fetch(`${api}/v1/tasks/${placed.task_uuid}`)).json()) as { tags: string[] };
    expect(task.tags).toContain(rowUrl);
    const page = await (await fetch(`${api}/ui/tasks/${placed.task_uuid}`)).text();
    expect(page).toContain(`<a href="${rowUrl}" rel="noopener noreferrer">`);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^tasker_tasks_created_total\{namespace="ecommerce"\} 1$/m);
    // The app's tables live in the engine's database: one PGlite folder, locked by this process.
    expect(readdirSync(dataDir)).toEqual(["tasker"]);
    const lock = JSON.parse(readFileSync(join(dataDir, "tasker", "tasker.lock"), "utf8"));
    expect(lock.pid).toBeGreaterThan(0);

    // A second process on the same folder: a clear error naming the first, at once.
    const second = await start(/hono-app failed to start/);
    await new Promise((r) => (second.exited ? r(undefined) : second.child.once("exit", r)));
    expect(second.child.exitCode).toBe(1);
    expect(second.output).toMatch(new RegExp(`is in use by process ${lock.pid}`));

    // Ctrl-C: the first stops cleanly and gives the folder back.
    const stopped = new Promise((r) => first.child.once("exit", r));
    first.child.kill("SIGINT");
    await stopped;
    expect(first.child.exitCode).toBe(0);
    expect(existsSync(join(dataDir, "tasker", "tasker.lock"))).toBe(false);

    // Warm: the compiled start is current, nothing is compiled again.
    const again = await start(/hono-app is running/);
    expect(again.output).not.toContain("compiling");
  }, 240_000);
});
