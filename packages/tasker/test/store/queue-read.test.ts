// A read of the queue tables takes the oldest visible messages of each queue in the order of its
// index and stops at the limit (store/sql/queue.ts, visibleMessageIdsSql): its cost does not grow
// with the queue, which a 1,000-step task fills with 1,000 ready steps at once. The RabbitMQ outbox
// relay reads every queue that way (takeDueMessages).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceQueue } from "../../src/queue/queue-names.js";
import {
  receiveMessages,
  TAKE_DUE_MESSAGES_SQL,
  takeDueMessages,
  visibleMessageIdsSql,
} from "../../src/store/sql/queue.js";
import { RECEIVE_AND_CLAIM_SQL } from "../../src/store/sql/receive-and-claim.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

const A = "test_read_a_queue";
const B = "test_read_b_queue";
const C = "test_read_c_queue";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Alias?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe.each(testBackends())("the queue read on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { worker: false, options: { messaging: "postgres" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** `n` messages into `queue`, visible after `delaySeconds` (negative: already), numbered `k` from `from`. */
  const send = (queue: string, n: number, from: number, delaySeconds = -1) =>
    h.tasker.database.query(
      `INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
       SELECT $1, jsonb_build_object('k', k), now() + make_interval(secs => $4::float8)
         FROM generate_series($2::int, $2::int + $3::int - 1) AS k`,
      [queue, from, n, delaySeconds],
    );
  const clear = () =>
    h.tasker.database.query("DELETE FROM tasker.queue_messages WHERE queue_name = ANY($1)", [[A, B, C]]);

  it("reads the oldest visible messages of several queues up to the limit, and hides them", async () => {
    await clear();
    await send(A, 3, 0);
    await send(B, 3, 10);
    await send(A, 2, 20, 60); // not visible for a minute
    const first = await receiveMessages<{ k: number }>(h.tasker.database, [A, B, A], 4, 30);
    expect(first.map((m) => m.message.k)).toEqual([0, 1, 2, 10]);
    const rest = await receiveMessages<{ k: number }>(h.tasker.database, [A, B], 10, 30);
    expect(rest.map((m) => m.message.k)).toEqual([11, 12]);
    expect(await receiveMessages(h.tasker.database, [A, B], 10, 30)).toEqual([]);
  });

  /**
   * An empty table, then ten messages over three queues, written in turns, when the statistics
   * are taken (autovacuum's, between bursts): PostgreSQL then expects a few rows a queue. PGlite
   * has no autovacuum: its planner estimates from the table's pages alone.
   */
  const statisticsOfShortQueues = async () => {
    await clear();
    await h.tasker.database.query(
      `INSERT INTO tasker.queue_messages (queue_name, message)
       SELECT ($1::text[])[1 + k % 3], jsonb_build_object('k', k) FROM generate_series(0, 9) AS k`,
      [[A, B, C]],
    );
    if (backend === "postgres") await h.tasker.database.query("ANALYZE tasker.queue_messages");
  };

  /** The plan of a read of `queues` for `limit` messages, as run. */
  const readPlan = (queues: string[], limit: number) =>
    h.tasker.database.transaction(async (tx) => {
      const [row] = await tx.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${visibleMessageIdsSql("$1", "$2")}`,
        [queues, limit],
      );
      return row!["QUERY PLAN"][0].Plan;
    });
  const expectReadsAtMost = (plan: PlanNode, limit: number) => {
    const scans = nodes(plan).filter((n) => n["Relation Name"] === "queue_messages");
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) expect(scan["Actual Rows"]).toBeLessThanOrEqual(limit);
    expect(
      nodes(plan)
        .filter((n) => n["Node Type"] === "Sort")
        .every((n) => n["Actual Rows"] <= limit),
    ).toBe(true);
  };

  it("reads no more rows of a long queue than the limit", async () => {
    await clear();
    // Statistics of a short queue, as PostgreSQL's autovacuum takes them between bursts, then a
    // burst. PGlite has no autovacuum: its planner estimates from the table's pages alone.
    await send(A, 10, 0);
    if (backend === "postgres") await h.tasker.database.query("ANALYZE tasker.queue_messages");
    await send(A, 2000, 10);
    // Filtered by queue and sorted by id, the read took all 2,000 and sorted them.
    expectReadsAtMost(await readPlan([A], 16), 16);
  });

  it("reads no more rows of a long queue than the limit, after statistics of several short queues", async () => {
    await statisticsOfShortQueues();
    await send(A, 3000, 100);
    // With a bitmap scan (PostgreSQL's choice for so few rows expected), the read took the queue's
    // 3,004 visible messages and sorted them.
    expectReadsAtMost(await readPlan([A], 16), 16);
  });

  it("finds each message's step by its key in a generic plan, not by its task's steps", async () => {
    const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    expect(task.steps.length).toBe(5);
    const plan = await h.tasker.database.transaction(async (tx) => {
      await tx.query("SET LOCAL plan_cache_mode = force_generic_plan");
      await tx.query(`PREPARE receive_plan_test AS ${RECEIVE_AND_CLAIM_SQL}`);
      try {
        const [row] = await tx.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
          `EXPLAIN (FORMAT JSON) EXECUTE receive_plan_test('{${namespaceQueue("test_alpha")}}', 10, 30, 'w', 30,
                                                          '{enqueued}', '{in_progress}', 'in_progress', 'enqueued')`,
        );
        return row!["QUERY PLAN"][0].Plan;
      } finally {
        await tx.query("DEALLOCATE receive_plan_test");
      }
    });
    const named = nodes(plan).filter((n) => n["Relation Name"] === "workflow_steps" && n.Alias === "s");
    expect(named.length).toBe(1);
    // By (task_uuid, position) with a filter on the uuid, a 1,000-step task's message read 1,000 rows.
    expect(named[0]!["Index Name"]).toBe("workflow_steps_pkey");
  });

  it("takes the due messages of every queue, oldest visible first, up to the limit, and leaves the delayed", async () => {
    // Every queue's: the earlier tests' task left a message in its namespace's queue.
    await h.tasker.database.query("DELETE FROM tasker.queue_messages");
    await send(A, 3, 0);
    await send(B, 3, 10);
    await send(A, 2, 20, 60); // not visible for a minute
    const take = async (limit: number) =>
      (await h.tasker.database.transaction((tx) => takeDueMessages(tx, limit))).map(
        (m) => (m.message as { k: number }).k,
      );
    expect(await take(4)).toEqual([0, 1, 2, 10]);
    expect(await take(500)).toEqual([11, 12]);
    expect(await take(500)).toEqual([]);
    const [left] = await h.tasker.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM tasker.queue_messages WHERE queue_name = ANY($1)",
      [[A, B]],
    );
    expect(left!.n).toBe(2);
  });

  it("takes the due messages without reading the delayed ones or more than the limit of a queue", async () => {
    await statisticsOfShortQueues();
    // Then a backlog: delayed messages (retries waiting for their backoff) older than a long run of
    // due ones.
    await send(A, 1000, 100, 60);
    await send(B, 1000, 2000, 60);
    await send(A, 1000, 4000);
    await send(B, 5, 6000);
    const limit = 16;
    const plan = await h.tasker.database.transaction(async (tx) => {
      const [row] = await tx.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${TAKE_DUE_MESSAGES_SQL}`,
        [limit],
      );
      return row!["QUERY PLAN"][0].Plan;
    });
    expect(plan["Actual Rows"]).toBe(limit);
    const scans = nodes(plan).filter((n) => n["Relation Name"] === "queue_messages");
    expect(scans.length).toBeGreaterThan(0);
    // In msg_id order over all queues, the read passed over the 2,000 delayed messages; with a
    // bitmap scan, it read A's 1,000 due ones and sorted them.
    for (const scan of scans) {
      expect(scan["Actual Rows"] + (scan["Rows Removed by Filter"] ?? 0)).toBeLessThanOrEqual(limit);
    }
  });
});
