// Smoke test: the app starts under Bun (embedded PGlite) and completes one order end to end.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const bunBin = join(appDir, "..", "..", "node_modules", ".bin", "bun");
const bunWorks = spawnSync(bunBin, ["--version"], { timeout: 20_000 }).status === 0;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe.skipIf(!bunWorks)("the app under Bun", () => {
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "hono-app-bun-"));
  afterAll(() => {
    child?.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts on embedded PGlite and completes an order", async () => {
    const [port, orchestrationPort] = [await freePort(), await freePort()];
    // The workspace runs the package from its TypeScript source (the "@tasker-ts/source" condition).
    child = spawn(bunBin, ["--conditions=@tasker-ts/source", "run", "src/main.ts"], {
      cwd: appDir,
      env: {
        ...process.env,
        PORT: String(port),
        ORCHESTRATION_PORT: String(orchestrationPort),
        TASKER_DATA_DIR: dataDir,
        DATABASE_URL: "",
        APP_DATABASE_URL: "",
        TASKER_MESSAGING_BACKEND: "postgres",
        TASKER_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const base = `http://127.0.0.1:${port}`;
    await expect
      .poll(async () => (await fetch(`${base}/health`).catch(() => undefined))?.status, {
        timeout: 120_000,
        interval: 500,
      })
      .toBe(200);
    const created = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        customer_email: "ada@example.com",
        items: [{ sku: "WIDGET-001", quantity: 2 }],
        payment_info: { method: "card", token: "tok_visa" },
      }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: number };
    await expect
      .poll(
        async () => ((await (await fetch(`${base}/orders/${order.id}`)).json()) as { status: string }).status,
        {
          timeout: 60_000,
          interval: 500,
        },
      )
      .toBe("completed");
    const done = (await (await fetch(`${base}/orders/${order.id}`)).json()) as {
      task: { status: string; completion_percentage: number };
    };
    expect(done.task).toMatchObject({ status: "complete", completion_percentage: 100 });
  }, 240_000);
});
