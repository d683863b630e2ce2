import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { STALE_ENQUEUED_SECONDS, SWEEP_LIMIT } from "../../src/orchestrator/orchestrator.js";
import { namespaceQueue, ORCHESTRATION_QUEUE } from "../../src/queue/queue-names.js";
import type { Statement } from "../../src/store/database.js";
import { receiveMessagesStatement } from "../../src/store/sql/queue.js";
import { receiveAndClaimStatement } from "../../src/store/sql/receive-and-claim.js";
import {
  cancelLostClaimsStatement,
  expiredClaimsStatement,
  lostLastAttemptsStatement,
  overdueRetryTasksStatement,
  selectStepsStatement,
  staleEnqueuedStatement,
} from "../../src/store/sql/steps.js";
import { stepTransitionsStatement } from "../../src/store/sql/transitions.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";
import { explainNodes } from "../support/plan-nodes.js";

/** The nodes from a node up to the nearest Limit above it, e.g. "Index Scan < LockRows < Limit". */
function upToLimit(node: Record<string, unknown>): string {
  const above = node.Above as string[];
  const limit = above.indexOf("Limit");
  return [node["Node Type"], ...(limit < 0 ? above : above.slice(0, limit + 1))].join(" < ");
}

const HOT_TABLES = ["tasks", "workflow_steps", "queue_messages", "workflow_step_transitions"];

describe.skipIf(!testBackends().includes("postgres"))(
  "hot queries with 100,000 finished tasks (PostgreSQL)",
  () => {
    let h: Harness;
    let liveTask: string;
    let liveStep: string;
    beforeAll(async () => {
      h = await startHarness("postgres");
      // History: 100k finished 5-step tasks with their edges, written in bulk.
      await h.tasker.database.exec(`
      INSERT INTO tasker.tasks (task_uuid, namespace, name, version, status, correlation_id, request_hash, completed_at)
      SELECT gen_random_uuid(), 'test_alpha', 'linear5', '1.0.0', 'complete', 'c' || i, 'h', now()
        FROM generate_series(1, 100000) AS i;
      INSERT INTO tasker.workflow_steps (workflow_step_uuid, task_uuid, name, position, handler_callable, state, attempts,
          max_attempts, retryable, backoff, backoff_base_ms, max_backoff_ms, timeout_seconds, results)
      SELECT gen_random_uuid(), t.task_uuid, 's' || p, p, 'test.a', 'complete', 1, 3, true, 'exponential', 1000, 30000, 300, '{}'
        FROM tasker.tasks t CROSS JOIN generate_series(0, 4) AS p WHERE t.correlation_id LIKE 'c%';
      UPDATE tasker.workflow_steps a SET child_uuids = ARRAY[b.workflow_step_uuid]
        FROM tasker.workflow_steps b WHERE b.task_uuid = a.task_uuid AND b.position = a.position + 1;
      INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, task_uuid, from_state, to_state, event)
      SELECT workflow_step_uuid, task_uuid, 'enqueued_for_orchestration', 'complete', 'complete' FROM tasker.workflow_steps;
      ANALYZE;`);
      const { task } = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
      liveTask = task.task_uuid;
      await h.tasker.client.waitForTask(liveTask, { timeoutMs: 20_000 });
      const [step] = await h.tasker.database.query<{ uuid: string }>(
        "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 LIMIT 1",
        [liveTask],
      );
      liveStep = step!.uuid;
    }, 180_000);
    afterAll(async () => {
      await h?.close();
    });

    const explain = (sql: string, params: readonly unknown[]) => explainNodes(h.tasker.database, sql, params);
    const seqScans = (nodes: Record<string, unknown>[]) =>
      nodes.filter((n) => n["Node Type"] === "Seq Scan" && HOT_TABLES.includes(String(n["Relation Name"])));

    /**
     * The count of unfinished tasks that admits a creation under max_pending_tasks: it runs inside
     * tasker.admit_task (migration 009), so it is taken from the function as installed, with the
     * configured limit for its max_pending.
     */
    const admissionCount = async (): Promise<Statement<unknown>> => {
      const [fn] = await h.tasker.database.query<{ src: string }>(
        "SELECT prosrc AS src FROM pg_proc WHERE proname = 'admit_task'",
      );
      const count = /SELECT count\(\*\) INTO unfinished\s([\s\S]*?);/.exec(fn!.src);
      expect(count, "tasker.admit_task's count").not.toBeNull();
      return {
        sql: `SELECT count(*) ${count![1]!.replace(/\bmax_pending\b/g, () => "$1")}`,
        params: [defaultConfig().orchestration.max_pending_tasks],
      };
    };

    it("readiness of one task reads only that task's rows (no sequential scans)", async () => {
      // The read a task's evaluation starts from (lifecycle/evaluate-task.ts).
      const statement = selectStepsStatement(liveTask);
      const nodes = await explain(statement.sql, [...statement.params]);
      expect(seqScans(nodes)).toEqual([]);
      expect(nodes.some((n) => String(n["Node Type"]).includes("Index"))).toBe(true);
    });

    it("claims, expired-lease sweeps, the admission count and a step's history use indexes", async () => {
      // A backlog of 50k delayed messages in another queue must not make claims scan.
      await h.tasker.database.exec(`
      INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
      SELECT 'worker_backlog_queue', '{}', now() + interval '1 day' FROM generate_series(1, 50000);
      ANALYZE tasker.queue_messages;`);
      // The queue reads as the engine sends them: a worker's (which claims the steps it reads), a
      // remote worker's (only the steps of its handlers: each message read is joined with its
      // step, one key lookup, in the queue's order) and the orchestrator's. Not run, only planned:
      // EXPLAIN without ANALYZE. Each with the path from its queue scan up to the limit.
      const inOrder = "q: Index Scan < LockRows < Limit using queue_messages_ready_idx";
      const reads = {
        "a worker's receive and claim": receiveAndClaimStatement({
          queues: [namespaceQueue("test_alpha")],
          limit: 10,
          visibilitySeconds: 30,
          workerId: "scale-test-worker",
          leaseSeconds: 30,
        }),
        "a remote worker's receive and claim (only its handlers' steps)": receiveAndClaimStatement({
          queues: [namespaceQueue("test_alpha")],
          limit: 10,
          visibilitySeconds: 30,
          workerId: "scale-test-remote-worker",
          leaseSeconds: 30,
          callables: ["test.a"],
        }),
        "the orchestrator's receive": receiveMessagesStatement([ORCHESTRATION_QUEUE], 10, 30),
      };
      const paths: Record<string, string> = {
        "a remote worker's receive and claim (only its handlers' steps)":
          "q: Index Scan < Nested Loop < LockRows < Limit using queue_messages_ready_idx",
      };
      for (const [read, statement] of Object.entries(reads)) {
        const nodes = await explain(statement.sql, [...statement.params]);
        expect(seqScans(nodes), read).toEqual([]);
        // Each queue (q) is read in the order of its index and stops at the limit: not by another
        // index (msg_id's reads the table in id order), nor sorted (a bitmap scan's rows, or an
        // order the index does not give), which reads every visible message of the queue. The rows
        // read are then updated by their key (m), not joined with the table.
        const queueScans = nodes
          .filter((n) => n["Relation Name"] === "queue_messages" && String(n["Node Type"]).endsWith("Scan"))
          .map(
            (n) => `${n.Alias}: ${n.Alias === "q" ? upToLimit(n) : n["Node Type"]} using ${n["Index Name"]}`,
          )
          .sort();
        expect(queueScans, read).toEqual(["m: Index Scan using queue_messages_pkey", paths[read] ?? inOrder]);
      }
      // The orchestrator's lost-claim sweep (the stale and overdue looks run only with a broker),
      // the admission of a creation under max_pending_tasks, and a step's history (the API's read).
      const statements: Record<string, Statement<unknown>> = {
        "the sweep's cancel of lost claims of finished tasks": cancelLostClaimsStatement(SWEEP_LIMIT),
        "the sweep's expired claims": expiredClaimsStatement(SWEEP_LIMIT),
        "the sweep's lost last attempts": lostLastAttemptsStatement(SWEEP_LIMIT),
        "the sweep's stale enqueued steps": staleEnqueuedStatement(STALE_ENQUEUED_SECONDS, SWEEP_LIMIT),
        "the sweep's overdue retries": overdueRetryTasksStatement(STALE_ENQUEUED_SECONDS, SWEEP_LIMIT),
        "the admission count": await admissionCount(),
        "a step's transitions": stepTransitionsStatement(liveStep),
      };
      // The one known exception: the stale look finds a step's message in the outbox by its
      // payload (message->>'step_uuid'), which no index serves, so it scans queue_messages, once,
      // into a hash (checked below). It runs only with a broker, whose outbox holds the messages
      // not yet relayed.
      const scansAllowed: Record<string, string[]> = {
        "the sweep's stale enqueued steps": ["queue_messages"],
      };
      for (const [read, statement] of Object.entries(statements)) {
        const nodes = await explain(statement.sql, [...statement.params]);
        expect(
          seqScans(nodes).map((n) => n["Relation Name"]),
          read,
        ).toEqual(scansAllowed[read] ?? []);
      }
      // Read once, not once per old enqueued step (a nested loop over the outbox): while a broker
      // is away, both grow together.
      const stale = staleEnqueuedStatement(STALE_ENQUEUED_SECONDS, SWEEP_LIMIT);
      const staleNodes = await explain(stale.sql, [...stale.params]);
      // PostgreSQL 15 and 16 print "NOT (hashed SubPlan 1)", 17 on "NOT (ANY (... (hashed SubPlan 1).col1))".
      const staleFilter = staleNodes.map((n) => n.Filter ?? "").join(" ");
      expect(staleFilter, "the sweep's stale enqueued steps").toMatch(/NOT \(.*hashed SubPlan \d+/);
      expect(staleNodes.filter((n) => String(n["Node Type"]).includes("Nested Loop Anti"))).toEqual([]);
      await h.tasker.database.exec(
        "DELETE FROM tasker.queue_messages WHERE queue_name = 'worker_backlog_queue'",
      );
    });

    it("a new task still completes with the history in place", async () => {
      const { task } = await h.tasker.client.createTask({ name: "diamond", namespace: "test_alpha" });
      const done = await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
      expect(done.status).toBe("complete");
    });
  },
);
