// The sweep's stale look (with a broker): an old enqueued step is stale only when no message of
// its own is left in the outbox, whatever else the outbox holds.
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrate.js";
import { touchStaleEnqueued } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { useTestStore } from "../support/test-store.js";

const TASK = "00000000-0000-0000-0000-999999999999";
const step = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;

describe.each(testBackends())("the stale enqueued look on %s", (backend) => {
  const store = useTestStore(backend, "tasker_stale_enqueued", 2, (db) => migrate(db));

  it("returns the old enqueued steps with no message of their own in the outbox, oldest first", async () => {
    await store.db.query(
      `INSERT INTO tasker.tasks (task_uuid, namespace, name, version, status, correlation_id, request_hash)
       VALUES ($1, 'n', 't', '1.0.0', 'steps_in_process', 'c', 'h')`,
      [TASK],
    );
    // Steps 1-4 enqueued 10 minutes ago (1 the oldest), 5 a second ago, 6 complete.
    for (const [n, state, age] of [
      [1, "enqueued", 640],
      [2, "enqueued", 630],
      [3, "enqueued", 620],
      [4, "enqueued", 610],
      [5, "enqueued", 1],
      [6, "complete", 600],
    ] as const) {
      await store.db.query(
        `INSERT INTO tasker.workflow_steps (workflow_step_uuid, task_uuid, name, position, handler_callable, state,
           max_attempts, retryable, backoff, backoff_base_ms, max_backoff_ms, timeout_seconds, updated_at)
         VALUES ($1, $2, $3, $4, 'h', $5, 3, true, 'exponential', 1000, 30000, 30, now() - make_interval(secs => $6))`,
        [step(n), TASK, `s${n}`, n, state, age],
      );
    }
    // Step 2's message is still in the outbox; so are messages without a step, or with a null one.
    for (const message of [
      { task_uuid: TASK, step_uuid: step(2) },
      { task_uuid: TASK },
      { task_uuid: TASK, step_uuid: null },
    ]) {
      await store.db.query(
        "INSERT INTO tasker.queue_messages (queue_name, message) VALUES ('worker_n_queue', $1)",
        [JSON.stringify(message)],
      );
    }
    const first = await touchStaleEnqueued(store.db, 300, 2);
    expect(first.map((s) => s.workflow_step_uuid)).toEqual([step(1), step(3)]);
    expect(first[0]).toMatchObject({ task_uuid: TASK, namespace: "n", correlation_id: "c" });
    // Touched: not stale again until another period passes; step 4 comes next.
    const second = await touchStaleEnqueued(store.db, 300, 2);
    expect(second.map((s) => s.workflow_step_uuid)).toEqual([step(4)]);
  });
});
