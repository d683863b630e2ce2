// A worker-only process (`npm run worker`, on the engine database or with --remote) runs its step
// handlers and the app's job processors, and each holds an app database connection while it runs:
// its pool must have one for every handler (the worker's concurrency) and every job processor's
// share at the same time, and no more (it serves no routes).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase, testBackends } from "@tasker-ts/tasker/testing";
import { sql } from "drizzle-orm";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AppDatabase } from "../src/db/client.js";
import { openRemoteRuntime, type RemoteRuntime } from "../src/engine/open-remote-runtime.js";
import { openRuntime, type Runtime } from "../src/engine/open-runtime.js";
import { MemoryJobQueue } from "../src/jobs/memory-queue.js";

const CONCURRENCY = 12;

/** Opens a runtime and returns it with the concurrency of each job processor it registered. */
async function openCounting<R>(open: () => Promise<R>): Promise<{ rt: R; jobConcurrency: number[] }> {
  const registrations = vi.spyOn(MemoryJobQueue.prototype, "process");
  try {
    const rt = await open();
    return { rt, jobConcurrency: registrations.mock.calls.map((call) => call[1]) };
  } finally {
    registrations.mockRestore();
  }
}

/** How many of `count` transactions hold a connection at the same time (at most, within 10 s). */
async function holdAtOnce(appDb: AppDatabase, count: number): Promise<number> {
  let holding = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = Array.from({ length: count }, () =>
    appDb.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1`);
      holding++;
      await released;
    }),
  );
  // With a smaller pool the rest wait for a connection until these end.
  const deadline = Date.now() + 10_000;
  while (holding < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const most = holding;
  release();
  await Promise.all(held);
  return most;
}

/** The most connections the app database's node-postgres pool opens. */
function poolMax(appDb: AppDatabase): number | undefined {
  return (appDb.db as unknown as { $client: pg.Pool }).$client.options.max;
}

function expectPoolForHandlersAndJobs(appDb: AppDatabase, jobConcurrency: number[]) {
  expect(jobConcurrency.length).toBeGreaterThan(0);
  const wanted = CONCURRENCY + jobConcurrency.reduce((a, b) => a + b, 0);
  return {
    async toHoldThemAllAndNoMore() {
      expect(await holdAtOnce(appDb, wanted)).toBe(wanted);
      expect(poolMax(appDb)).toBe(wanted);
    },
  };
}

describe.skipIf(!testBackends().includes("postgres"))("a worker-only process's app database pool", () => {
  let db: TestDatabase;
  let dataDir: string;
  let rt: Runtime;
  let jobConcurrency: number[];

  beforeAll(async () => {
    // The engine and the app share one server, as `npm run worker` requires.
    db = await createTestDatabase("hono_app_worker_pool");
    dataDir = mkdtempSync(join(tmpdir(), "hono-app-worker-pool-"));
    ({ rt, jobConcurrency } = await openCounting(() =>
      openRuntime({
        name: "worker-pool-test",
        workerConcurrency: CONCURRENCY,
        routes: false,
        env: { DATABASE_URL: db.url, TASKER_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      }),
    ));
  });
  afterAll(async () => {
    await rt?.jobs.close();
    await rt?.tasker.close();
    await rt?.appDb.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("has a connection for every step handler and every job that may run at once, none for routes", async () => {
    expect(rt.workerConcurrency).toBe(CONCURRENCY);
    await expectPoolForHandlersAndJobs(rt.appDb, jobConcurrency).toHoldThemAllAndNoMore();
  });
});

describe.skipIf(!testBackends().includes("postgres"))("a remote worker's app database pool", () => {
  let appDb: TestDatabase;
  let dataDir: string;
  let rt: RemoteRuntime;
  let jobConcurrency: number[];

  beforeAll(async () => {
    appDb = await createTestDatabase("hono_app_remote_pool");
    dataDir = mkdtempSync(join(tmpdir(), "hono-app-remote-pool-"));
    ({ rt, jobConcurrency } = await openCounting(() =>
      openRemoteRuntime({
        name: "remote-pool-test",
        workerConcurrency: CONCURRENCY,
        env: {
          // Never called: opening the runtime does not reach the server.
          ORCHESTRATION_URL: "http://127.0.0.1:9",
          APP_DATABASE_URL: appDb.url,
          TASKER_DATA_DIR: dataDir,
          LOG_LEVEL: "warn",
        },
      }),
    ));
  });
  afterAll(async () => {
    await rt?.jobs.close();
    await rt?.appDb.close();
    await appDb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("has a connection for every step handler and every job that may run at once", async () => {
    expect(rt.workerConcurrency).toBe(CONCURRENCY);
    await expectPoolForHandlersAndJobs(rt.appDb, jobConcurrency).toHoldThemAllAndNoMore();
  });
});
