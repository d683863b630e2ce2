// max_pending_tasks under concurrency: creations racing each other, in one process and in two
// (two pools on one PostgreSQL database), never leave more unfinished tasks than the limit, and
// every refusal is a 503 BACKPRESSURE taken when the limit really was reached.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskerError } from "../../src/client/index.js";
import { Tasker } from "../../src/index.js";
import { TASK_TERMINAL_STATES } from "../../src/state/task-states.js";
import type { Queryable } from "../../src/store/database.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness, TEMPLATES } from "../support/engine-harness.js";

const LIMIT = 20;

/** Unfinished tasks, as the admission counts them against the limit. */
async function countActiveTasks(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tasker.tasks WHERE status NOT IN (${[...TASK_TERMINAL_STATES].map((s) => `'${s}'`).join(", ")})`,
  );
  return row?.n ?? 0;
}

describe.each(testBackends())("max_pending_tasks under concurrent creations on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // No worker: every accepted task stays unfinished, so the limit is reached and stays reached.
    h = await startHarness(backend, { worker: false, options: { maxPendingTasks: LIMIT } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Cancels every unfinished task, so each test starts from none. */
  async function cancelAll(): Promise<void> {
    const unfinished = await h.tasker.database.query<{ task_uuid: string }>(
      `SELECT task_uuid::text FROM tasker.tasks WHERE status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually')`,
    );
    for (const t of unfinished) await h.tasker.client.cancelTask(t.task_uuid, "next test");
    expect(await countActiveTasks(h.tasker.database)).toBe(0);
  }

  /** Sends `count` creations at once through each client; returns how each one ended. */
  async function burst(clients: Tasker["client"][], count: number, prefix: string) {
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        clients[i % clients.length]!.createTask({
          name: "diamond",
          namespace: "test_alpha",
          context: { i },
          idempotency_key: `${prefix}-${i}`,
        }).then(
          () => "created" as const,
          (err: unknown) => {
            if (err instanceof TaskerError && err.code === "BACKPRESSURE") return "refused" as const;
            throw err;
          },
        ),
      ),
    );
    return {
      created: outcomes.filter((o) => o === "created").length,
      refused: outcomes.filter((o) => o === "refused").length,
    };
  }

  it("accepts exactly the limit from 100 concurrent creations in one process", async () => {
    await cancelAll();
    const { created, refused } = await burst([h.tasker.client], 100, "one");
    expect(await countActiveTasks(h.tasker.database)).toBe(LIMIT);
    expect({ created, refused }).toEqual({ created: LIMIT, refused: 100 - LIMIT });
  });

  /**
   * Another engine on the same database: its own pool on PostgreSQL (as a second process would
   * have), the same database object on PGlite (one session is all an embedded database has).
   */
  const engine = (maxPendingTasks: number) =>
    Tasker.open({
      ...(h.url ? { databaseUrl: h.url } : { database: h.tasker.database }),
      templates: [TEMPLATES.diamond],
      maxPendingTasks,
    });

  it("accepts exactly the limit from 100 concurrent creations split between two engines", async () => {
    await cancelAll();
    const other = await engine(LIMIT);
    try {
      const { created, refused } = await burst([h.tasker.client, other.client], 100, "two");
      expect(await countActiveTasks(h.tasker.database)).toBe(LIMIT);
      expect({ created, refused }).toEqual({ created: LIMIT, refused: 100 - LIMIT });
    } finally {
      await other.close();
    }
  });

  it("keeps a limit far above the concurrency: 300 creations from two engines, 150 accepted", async () => {
    await cancelAll();
    // Most of these are admitted well below the limit, side by side; the last ones one by one.
    const engines = await Promise.all([engine(150), engine(150)]);
    try {
      const { created, refused } = await burst(
        engines.map((e) => e.client),
        300,
        "wide",
      );
      expect(await countActiveTasks(h.tasker.database)).toBe(150);
      expect({ created, refused }).toEqual({ created: 150, refused: 150 });
    } finally {
      await Promise.all(engines.map((e) => e.close()));
    }
  });

  it("accepts again once tasks finish, up to the limit again", async () => {
    await cancelAll();
    expect((await burst([h.tasker.client], 30, "again-1")).created).toBe(LIMIT);
    const some = await h.tasker.database.query<{ task_uuid: string }>(
      `SELECT task_uuid::text FROM tasker.tasks WHERE status NOT IN ('complete', 'error', 'cancelled', 'resolved_manually') LIMIT 5`,
    );
    for (const t of some) await h.tasker.client.cancelTask(t.task_uuid, "make room");
    expect(await burst([h.tasker.client], 30, "again-2")).toEqual({ created: 5, refused: 25 });
    expect(await countActiveTasks(h.tasker.database)).toBe(LIMIT);
  });
});
