// A worker that goes straight on with a step knows its task as the plan that claimed the step left
// it, so it plans that step's success in advance and sends the plan with the result: one round
// trip instead of two (orchestrator/known-task.ts, store/sql/store-and-plan.ts). These tests show
// that such a plan writes exactly what the plan made from the database writes, and that when the
// task has moved meanwhile nothing of it is written and the outcome is planned again from the read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import {
  type AppliedWorkerOutcome,
  applyWorkerSuccesses,
  type ContinueWith,
  KNOWN_TASK_CHANGED,
  storeWorkerSuccesses,
  type WorkerSuccess,
} from "../../src/orchestrator/apply-worker-outcome.js";
import { type KnownTask, knownAtClaim } from "../../src/orchestrator/known-task.js";
import type { Transaction } from "../../src/store/database.js";
import { type ClaimedStep, claimStep } from "../../src/store/sql/steps.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

const logger = createLogger({ level: "silent" });
const CONTINUE: ContinueWith = { leaseSeconds: 30, canRun: () => true };

/** The transaction, counting the round trips made through it (and keeping the SQL of its batches). */
function counted(tx: Transaction, trips: { n: number; sql?: string[] }): Transaction {
  return new Proxy(tx, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "batch" || prop === "query" || prop === "queryAndCommit") trips.n++;
        if (prop === "batch") trips.sql?.push(...(args[0] as { sql: string }[]).map((st) => st.sql));
        return value.apply(target, args);
      };
    },
  });
}

/**
 * A claimed step without what differs between two tasks of the same template, its JSON values as
 * text: what a handler sees, key order included (the step's own fields are not handed on as such).
 */
function comparable(step: ClaimedStep | undefined) {
  if (!step) return step;
  const { workflow_step_uuid: _s, task_uuid: _t, correlation_id: _c, ...rest } = step;
  return {
    ...rest,
    initialization: JSON.stringify(step.initialization),
    context: JSON.stringify(step.context),
    dependency_results: JSON.stringify(step.dependency_results),
  };
}

function success(step: ClaimedStep, workerId: string, result: unknown, known?: KnownTask): WorkerSuccess {
  return {
    outcome: {
      taskUuid: step.task_uuid,
      stepUuid: step.workflow_step_uuid,
      workerId,
      attempts: step.attempts,
      outboxMsgId: null,
      outcome: { ok: true, result },
    },
    continueWith: CONTINUE,
    known,
    // What the handler was given, as the worker passes it on.
    dependencyResults: step.dependency_results,
    logger,
  };
}

function applied(r: AppliedWorkerOutcome | undefined | typeof KNOWN_TASK_CHANGED): AppliedWorkerOutcome {
  if (r === undefined || r === KNOWN_TASK_CHANGED)
    throw new Error(`expected a stored outcome, got ${String(r)}`);
  return r;
}

describe.each(testBackends())("successes planned in advance on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, { worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  /**
   * Creates a task and stores its first step's success, continuing with the second: planned from
   * the read, or (`fromClaim`) in advance from the task as the claim read it.
   */
  async function startedTask(name: string, workerId: string, fromClaim = false) {
    const { task } = await h.tasker.client.createTask({ name, namespace: "test_alpha" });
    const first = task.steps.find((s) => s.name === "a")!;
    const claim = await claimStep(h.tasker.database, first.workflow_step_uuid, workerId, 30);
    if (!claim || claim === "busy") throw new Error("step a could not be claimed");
    const known = fromClaim ? knownAtClaim(claim, workerId, new Date()) : undefined;
    const trips = { n: 0 };
    const [r] = await h.tasker.database.transaction((tx) =>
      applyWorkerSuccesses(counted(tx, trips), [success(claim, workerId, { n: 1, from: "a" }, known)]),
    );
    return { taskUuid: task.task_uuid, after: applied(r), trips: trips.n };
  }

  /** Every step's state and transitions, and the task's, by step name. */
  async function history(taskUuid: string) {
    const db = h.tasker.database;
    const steps = await db.query<{ name: string; state: string; attempts: number; results: unknown }>(
      "SELECT name, state, attempts, results FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY position",
      [taskUuid],
    );
    const stepTransitions = await db.query<{ name: string; path: string }>(
      `SELECT s.name, string_agg(t.from_state || '-' || t.event || '->' || t.to_state, ' ' ORDER BY t.id) AS path
         FROM tasker.workflow_step_transitions t JOIN tasker.workflow_steps s USING (workflow_step_uuid)
        WHERE t.task_uuid = $1 GROUP BY s.name, s.position ORDER BY s.position`,
      [taskUuid],
    );
    const [task] = await db.query<{ status: string; path: string; messages: number }>(
      `SELECT t.status,
              (SELECT string_agg(coalesce(x.from_state, '') || '->' || x.to_state, ' ' ORDER BY x.id)
                 FROM tasker.task_transitions x WHERE x.task_uuid = t.task_uuid) AS path,
              (SELECT count(*)::int FROM tasker.queue_messages m WHERE m.message->>'task_uuid' = t.task_uuid::text)
                AS messages
         FROM tasker.tasks t WHERE t.task_uuid = $1`,
      [taskUuid],
    );
    return { steps, stepTransitions, task };
  }

  it("writes in one round trip what the plan made from the database writes in two", async () => {
    const ahead = await startedTask("linear5", "w-ahead", true);
    const read = await startedTask("linear5", "w-read");
    expect([ahead.trips, read.trips]).toEqual([1, 2]);
    expect(ahead.after.next?.name).toBe("b");
    expect(ahead.after.known).toBeDefined();

    // Step b of both tasks succeeds with the same result (its keys not in jsonb order): one with what
    // its worker knows, one without.
    const trips = { ahead: { n: 0, sql: [] as string[] }, read: { n: 0 } };
    const [b1] = await h.tasker.database.transaction((tx) =>
      applyWorkerSuccesses(counted(tx, trips.ahead), [
        success(ahead.after.next!, "w-ahead", { from: "b", n: 2 }, ahead.after.known),
      ]),
    );
    const [b2] = await h.tasker.database.transaction((tx) =>
      applyWorkerSuccesses(counted(tx, trips.read), [
        success(read.after.next!, "w-read", { from: "b", n: 2 }),
      ]),
    );
    expect([trips.ahead.n, trips.read.n]).toEqual([1, 2]);
    // The worker built c itself: the statement answered only the attempt it claimed.
    expect(
      trips.ahead.sql.some((sql) => sql.includes("(SELECT u.attempts FROM k_upd u) AS claimed_attempts")),
    ).toBe(true);
    const [x, y] = [applied(b1), applied(b2)];
    expect([ahead.after.plannedFrom, x.plannedFrom, y.plannedFrom]).toEqual(["known", "known", "read"]);
    expect(x.next?.name).toBe("c");
    // c was claimed in the statement that stored b: it still gets b's result.
    expect(x.next?.dependency_results).toEqual({ a: { n: 1, from: "a" }, b: { n: 2, from: "b" } });
    expect(x.next?.dependency_results).toEqual(y.next?.dependency_results);
    expect(comparable(x.next)).toEqual(comparable(y.next));
    expect(x.known?.steps.map((s) => s.state)).toEqual(y.known?.steps.map((s) => s.state));

    // And on to the end, each success planned from what its worker knows.
    let [nextAhead, knownAhead, nextRead] = [x.next, x.known, y.next];
    for (const n of [3, 4, 5]) {
      const [r1] = await h.tasker.database.transaction((tx) =>
        applyWorkerSuccesses(tx, [success(nextAhead!, "w-ahead", { n }, knownAhead)]),
      );
      const [r2] = await h.tasker.database.transaction((tx) =>
        applyWorkerSuccesses(tx, [success(nextRead!, "w-read", { n })]),
      );
      [nextAhead, knownAhead, nextRead] = [applied(r1).next, applied(r1).known, applied(r2).next];
      // Built by the worker or read from the database, the next step is the same, key order included.
      expect(comparable(nextAhead)).toEqual(comparable(nextRead));
    }
    expect(nextAhead).toBeUndefined();
    const [one, two] = [await history(ahead.taskUuid), await history(read.taskUuid)];
    expect(one.task?.status).toBe("complete");
    expect(one).toEqual(two);
  });

  /** storeWorkerSuccesses through the harness's database (or `transaction`), unwrapped. */
  async function store(
    successes: WorkerSuccess[],
    transaction = <T>(fn: (tx: Transaction) => Promise<T>) => h.tasker.database.transaction(fn),
  ): Promise<(AppliedWorkerOutcome | undefined)[]> {
    return (await storeWorkerSuccesses(transaction, successes)).map((r) => {
      if (r.status === "rejected") throw r.reason;
      return r.value;
    });
  }

  /** A linear task whose first step w1 stored (planned from the read), going on with b, and then cancelled. */
  async function cancelledAfterA() {
    const { taskUuid, after } = await startedTask("linear5", "w1");
    expect(after.next?.name).toBe("b");
    await h.tasker.client.cancelTask(taskUuid, "changed my mind");
    return { taskUuid, b: after.next!, known: after.known! };
  }

  it("writes nothing, not even a notification, when the task moved since, and plans the success again from what it reads", async () => {
    const { taskUuid, b, known } = await cancelledAfterA();
    const heard: string[] = [];
    const unlisten = await h.tasker.database.listen("tasker_events", (p) => heard.push(p));
    try {
      const [stale] = await h.tasker.database.transaction((tx) =>
        applyWorkerSuccesses(tx, [success(b, "w1", { from: "b" }, known)]),
      );
      expect(stale).toBe(KNOWN_TASK_CHANGED);
      const unchanged = await history(taskUuid);
      expect(unchanged.steps.map((s) => s.state)).toEqual([
        "complete",
        "in_progress",
        "cancelled",
        "cancelled",
        "cancelled",
      ]);
      expect(unchanged.stepTransitions.find((s) => s.name === "b")?.path).not.toContain("succeed");

      // Stored through storeWorkerSuccesses, it is planned again from the read: b's result is kept,
      // and the cancelled task starts nothing (a plan made from what w1 knew would have claimed c).
      const [afterB] = await store([success(b, "w1", { from: "b" }, known)]);
      expect(afterB).toMatchObject({ applied: "completed", plannedFrom: "known_changed", next: undefined });
      const after = await history(taskUuid);
      expect(after.task?.status).toBe("cancelled");
      expect(after.steps.map((s) => s.state)).toEqual([
        "complete",
        "complete",
        "cancelled",
        "cancelled",
        "cancelled",
      ]);
      // Notifications are sent after commit: give them a moment, then only the stored one was heard.
      await new Promise((r) => setTimeout(r, 300));
      const aboutB = heard.filter((p) => p.includes(b.workflow_step_uuid));
      expect(aboutB).toHaveLength(1);
      expect(aboutB[0]).toContain("step.completed");
    } finally {
      await unlisten();
    }
  });

  it("keeps what the first transaction committed when the second, planning a moved task again, fails", async () => {
    const fresh = await h.tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    const first = fresh.task.steps.find((s) => s.name === "a")!;
    const claim = await claimStep(h.tasker.database, first.workflow_step_uuid, "w1", 30);
    if (!claim || claim === "busy") throw new Error("step a could not be claimed");
    const moved = await cancelledAfterA();
    // The worker's database fails its second transaction once (a deadlock, a connection blip).
    let calls = 0;
    const flaky = <T>(fn: (tx: Transaction) => Promise<T>) =>
      ++calls === 2
        ? Promise.reject(new Error("injected failure of the second transaction"))
        : h.tasker.database.transaction(fn);
    const [x, y] = await storeWorkerSuccesses(flaky, [
      success(claim, "w1", { from: "a" }),
      success(moved.b, "w1", { from: "b" }, moved.known),
    ]);
    // x was committed by the first transaction: it is reported stored, with the step w1 goes on with.
    expect(x?.status).toBe("fulfilled");
    expect((x as PromiseFulfilledResult<AppliedWorkerOutcome>).value).toMatchObject({
      applied: "completed",
      next: { name: "b" },
    });
    // y was not stored: it is rejected (the worker stores it again), and indeed nothing of it was written.
    expect(y).toMatchObject({
      status: "rejected",
      reason: { message: "injected failure of the second transaction" },
    });
    expect((await history(moved.taskUuid)).steps[1]?.state).toBe("in_progress");
    const [again] = await store([success(moved.b, "w1", { from: "b" }, moved.known)]);
    expect(again?.applied).toBe("completed");
  });

  it("does not plan ahead while another branch runs: in a fan-out no transaction is wasted", async () => {
    // fanout a -> {b, c, d} -> e -> f: w1 stores a and goes on with b; w2 and w3 claim c and d.
    const { after } = await startedTask("fanout", "w1");
    const others = await Promise.all(
      ["c", "d"].map(async (name, i) => {
        const uuid = after.known!.steps.find((s) => s.name === name)!.workflow_step_uuid;
        const worker = `w${i + 2}`;
        const claim = await claimStep(h.tasker.database, uuid, worker, 30);
        if (!claim || claim === "busy") throw new Error(`step ${name} could not be claimed`);
        return { claim, worker, known: knownAtClaim(claim, worker, new Date()) };
      }),
    );
    let transactions = 0;
    const counting = <T>(fn: (tx: Transaction) => Promise<T>) => {
      transactions++;
      return h.tasker.database.transaction(fn);
    };
    const [rb] = await store([success(after.next!, "w1", { from: "b" }, after.known)], counting);
    const [rc, rd] = [
      (await store([success(others[0]!.claim, "w2", { from: "c" }, others[0]!.known)], counting))[0],
      (await store([success(others[1]!.claim, "w3", { from: "d" }, others[1]!.known)], counting))[0],
    ];
    expect([rb, rc, rd].map((r) => r?.plannedFrom)).toEqual(["read", "read", "read"]);
    expect(transactions).toBe(3);
    // The last branch to finish goes on with the join, which runs alone: planned in advance again.
    expect(rd?.next?.name).toBe("e");
    const [re] = await store([success(rd!.next!, "w3", { from: "e" }, rd!.known)]);
    expect(re?.plannedFrom).toBe("known");
  });
});
