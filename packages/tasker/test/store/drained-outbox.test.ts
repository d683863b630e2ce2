// Statements that write rows a subquery chose find them by key even once the outbox's statistics
// say it is empty: after ANALYZE saw it drained (its key index still full of dead entries), as
// autovacuum sees a busy outbox between bursts, or after VACUUM emptied it, as the embedded engine's
// vacuuming does. Planned as a join instead, each walked the whole key index: 3-5x the database's
// time per step until the next ANALYZE.
import { describe, expect, it } from "vitest";
import type { Statement } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { advanceTasksStatement } from "../../src/store/sql/advance-tasks.js";
import {
  extendVisibilityStatement,
  receiveMessagesStatement,
  TAKE_DUE_MESSAGES_SQL,
} from "../../src/store/sql/queue.js";
import { receiveAndClaimStatement } from "../../src/store/sql/receive-and-claim.js";
import { extendClaimsStatement } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { explainNodes } from "../support/plan-nodes.js";
import { useTestStore } from "../support/test-store.js";

const TASK = "00000000-0000-0000-0000-999999999999";
const STEP = "00000000-0000-0000-0000-000000000001";
const STEP_2 = "00000000-0000-0000-0000-000000000002";
const QUEUE = "worker_n_queue";

const statements: Record<string, Statement<unknown>> = {
  "a worker's receive and claim": receiveAndClaimStatement({
    queues: [QUEUE],
    limit: 10,
    visibilitySeconds: 30,
    workerId: "w",
    leaseSeconds: 30,
  }),
  "the orchestrator's receive": receiveMessagesStatement([QUEUE], 10, 30),
  "the outbox relay's take": { sql: TAKE_DUE_MESSAGES_SQL, params: [10] },
  "a heartbeat's message visibility": extendVisibilityStatement(["1", "2"], 30),
  "a heartbeat's claims": extendClaimsStatement([STEP], "w", 30),
  // Two outcomes: one alone is stored by a statement of its own, which deletes by its parameter.
  "two steps' outcomes, deleting their messages": advanceTasksStatement(
    [STEP, STEP_2].map((stepUuid, i) => ({
      taskUuid: TASK,
      stepUuid,
      workerId: "w",
      attempts: 1,
      ok: true,
      payload: {},
      stored: { event: "succeed", metadata: {} },
      decided: { event: "complete", metadata: {} },
      retryDelayMs: null,
      outboxMsgId: String(i + 1),
    })),
    new Date(),
  ),
};

/**
 * How each UPDATE or DELETE of the plan finds the rows it writes, when not by a condition on an
 * index. The subqueries that choose the rows are not judged here (the scale test checks the queue
 * reads').
 */
const unkeyedWrites = (nodes: Record<string, unknown>[]) =>
  nodes
    .filter((n) => n["Node Type"] === "ModifyTable" && n.Operation !== "Insert")
    .flatMap((target) =>
      nodes
        .filter(
          (n) =>
            n.Alias === target.Alias &&
            n["Relation Name"] === target["Relation Name"] &&
            String(n["Node Type"]).endsWith("Scan") &&
            n["Index Cond"] === undefined,
        )
        .map((n) => `${target.Operation} of ${target["Relation Name"]} by ${n["Node Type"]}`),
    );

const cases = testBackends().flatMap((backend) =>
  (["ANALYZE", "VACUUM"] as const).map((command) => [backend, command] as const),
);

describe.each(cases)(
  "writes chosen by a subquery, after a drained outbox, on %s, then %s",
  (backend, command) => {
    // One connection: the prepared statements and the plan mode below belong to it.
    const store = useTestStore(backend, "tasker_drained_outbox", 1, async (db) => {
      await migrate(db);
      await db.exec(`
      INSERT INTO tasker.queue_messages (queue_name, message)
      SELECT '${QUEUE}', '{}' FROM generate_series(1, 5000);
      DELETE FROM tasker.queue_messages;`);
      // A statement of its own: VACUUM cannot run in the transaction of a script.
      await db.exec(`${command} tasker.queue_messages`);
    });

    const plan = (sql: string, params: readonly unknown[]) => explainNodes(store.db, sql, params);

    it.each(Object.entries(statements))("%s finds the rows it writes by key", async (_name, statement) => {
      // As a client sends it (a custom plan for its values) ...
      const custom = await plan(statement.sql, statement.params);
      expect(custom.some((n) => n["Node Type"] === "ModifyTable")).toBe(true);
      expect(unkeyedWrites(custom)).toEqual([]);
      // ... and as the engine's units of work run it: a generic plan, made once per connection.
      await store.db.query(`PREPARE drained_outbox_plan AS ${statement.sql}`);
      try {
        await store.db.query("SET plan_cache_mode = force_generic_plan");
        const values = statement.params.map((v) => (v === null ? "NULL" : `'${toLiteral(v)}'`));
        const generic = await plan(`EXECUTE drained_outbox_plan(${values.join(", ")})`, []);
        expect(generic.some((n) => n["Node Type"] === "ModifyTable")).toBe(true);
        expect(unkeyedWrites(generic)).toEqual([]);
      } finally {
        await store.db.query("RESET plan_cache_mode");
        await store.db.query("DEALLOCATE drained_outbox_plan");
      }
    });
  },
);

/** A parameter's value as the text of a SQL literal (arrays as array literals, objects as JSON). */
function toLiteral(v: unknown): string {
  const text = Array.isArray(v)
    ? `{${v.map((x) => `"${String(x)}"`).join(",")}}`
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);
  return text.replace(/'/g, "''");
}
