// A remote worker (`npm run worker -- --remote`) runs its step handlers and the app's job
// processors, and each holds an app database connection while it runs: its pool must have one for
// every handler (the worker's concurrency) and every job processor's share at the same time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase, testBackends } from "@tasker-ts/tasker/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openRemoteRuntime, type RemoteRuntime } from "../src/engine/open-remote-runtime.js";
import { MemoryJobQueue } from "../src/jobs/memory-queue.js";

const CONCURRENCY = 12;

describe.skipIf(!testBackends().includes("postgres"))("a remote worker's app database pool", () => {
  let appDb: TestDatabase;
  let dataDir: string;
  let rt: RemoteRuntime;
  /** The concurrency of each job processor the runtime registered. */
  const jobConcurrency: number[] = [];

  beforeAll(async () => {
    appDb = await createTestDatabase("hono_app_remote_pool");
    dataDir = mkdtempSync(join(tmpdir(), "hono-app-remote-pool-"));
    const registrations = vi.spyOn(MemoryJobQueue.prototype, "process");
    rt = await openRemoteRuntime({
      name: "remote-pool-test",
      workerConcurrency: CONCURRENCY,
      env: {
        // Never called: opening the runtime does not reach the server.
        ORCHESTRATION_URL: "http://127.0.0.1:9",
        APP_DATABASE_URL: appDb.url,
        TASKER_DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
      },
    });
    jobConcurrency.push(...registrations.mock.calls.map((call) => call[1]));
    registrations.mockRestore();
  });
  afterAll(async () => {
    await rt?.jobs.close();
    await rt?.appDb.close();
    await appDb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("has a connection for every step handler and every job that may run at once", async () => {
    expect(jobConcurrency.length).toBeGreaterThan(0);
    const wanted = CONCURRENCY + jobConcurrency.reduce((a, b) => a + b, 0);
    let holding = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = Array.from({ length: wanted }, () =>
      rt.appDb.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
        holding++;
        await released;
      }),
    );
    // With a smaller pool the rest wait for a connection until these end.
    const deadline = Date.now() + 10_000;
    while (holding < wanted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const most = holding;
    release();
    await Promise.all(held);
    expect(most).toBe(wanted);
  });
});
