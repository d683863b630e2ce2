// Two planners store a step's outcome and advance its task (lifecycle/store-outcomes.ts): the
// reference, planFromSteps, reads every step of the task and plans with planTask; planFromCounts,
// which the engine uses, plans from what changed (each step's unfinished parents, each task's step
// counts: store/sql/advance-tasks.ts). These tests run two tasks of one template round by round,
// one through each planner, with the same outcomes (several per batch, failures and retries among
// them), and compare every row after every round: the steps (state, attempts, results, counts of
// unfinished parents), every step and task transition, the tasks (status, error, step counts) and
// the queues. The reference sets the counts from what it reads, so equal rows also mean the counts
// kept by planFromCounts are right.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evaluateTask } from "../../src/lifecycle/evaluate-task.js";
import {
  type OutcomePlanner,
  type OutcomeToStore,
  planFromCounts,
  planFromSteps,
} from "../../src/lifecycle/store-outcomes.js";
import { decide } from "../../src/model/decision-outcome.js";
import { createLogger } from "../../src/observability/logger.js";
import { type ClaimedStep, claimStep } from "../../src/store/sql/steps.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, STEP_NAMES, startHarness, TEMPLATES } from "../support/engine-harness.js";

const logger = createLogger({ level: "silent" });
const WORKER = "w-planner";
const HANDLERS = STEP_NAMES.map((n) => `test.${n}`);

/** b decides between c and d (then e); f converges on whichever of c and e exist. */
const DECISION = parseTemplateObject({
  name: "decision",
  namespace_name: "test_alpha",
  version: "1.0.0",
  steps: [
    { name: "a", handler: { callable: "test.a" } },
    { name: "b", type: "decision", dependencies: ["a"], handler: { callable: "test.b" } },
    { name: "c", dependencies: ["b"], handler: { callable: "test.c" } },
    { name: "d", dependencies: ["b"], handler: { callable: "test.d" } },
    { name: "e", dependencies: ["d"], handler: { callable: "test.e" } },
    { name: "f", type: "deferred_convergence", dependencies: ["c", "e"], handler: { callable: "test.f" } },
  ],
}).template;

describe.each(testBackends())("planners on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // The queue rows are compared as the planners write them; RabbitMQ's relay would move them away.
    h = await startHarness(backend, {
      worker: false,
      options: { messaging: "postgres", templates: [...Object.values(TEMPLATES), DECISION] },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Everything a planner writes for a task, with uuids replaced by step names. */
  async function rows(taskUuid: string) {
    const db = h.tasker.database;
    const steps = await db.query<{ uuid: string; name: string }>(
      "SELECT workflow_step_uuid AS uuid, name FROM tasker.workflow_steps WHERE task_uuid = $1",
      [taskUuid],
    );
    const names = new Map(steps.map((s) => [s.uuid, s.name]));
    const [{ correlation_id: correlation } = { correlation_id: "" }] = await db.query<{
      correlation_id: string;
    }>("SELECT correlation_id FROM tasker.tasks WHERE task_uuid = $1", [taskUuid]);
    names.set(correlation, "correlation");
    const named = (value: unknown) =>
      JSON.parse(
        JSON.stringify(value).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) =>
          u === taskUuid ? "task" : (names.get(u) ?? u),
        ),
      );
    const all = named({
      steps: await db.query(
        `SELECT name, state, attempts, results, error->>'message' AS error, claimed_by, unfinished_parents,
                child_uuids, next_retry_at IS NOT NULL AS retry_at
           FROM tasker.workflow_steps WHERE task_uuid = $1 ORDER BY position`,
        [taskUuid],
      ),
      stepTransitions: await db.query(
        `SELECT s.name, string_agg(t.from_state || '-' || t.event || '->' || t.to_state || ' ' || t.metadata::text,
                                   ' | ' ORDER BY t.id) AS path
           FROM tasker.workflow_step_transitions t JOIN tasker.workflow_steps s USING (workflow_step_uuid)
          WHERE t.task_uuid = $1 GROUP BY s.name, s.position ORDER BY s.position`,
        [taskUuid],
      ),
      task: await db.query(
        `SELECT status, error, completed_at IS NOT NULL AS completed, step_count, steps_done, steps_failed,
                steps_waiting, steps_running,
                (SELECT string_agg(coalesce(x.from_state, '') || '-' || x.event || '->' || x.to_state, ' ' ORDER BY x.id)
                   FROM tasker.task_transitions x WHERE x.task_uuid = t.task_uuid) AS path
           FROM tasker.tasks t WHERE t.task_uuid = $1`,
        [taskUuid],
      ),
      // Signals to workers; a retry's wake-ups are compared apart (the reference sends one with
      // every plan while a retry waits, planFromCounts one when the retry is scheduled).
      signals: await db.query(
        `SELECT queue_name, message FROM tasker.queue_messages
          WHERE message->>'task_uuid' = $1 AND queue_name <> 'orchestration_step_results'
          ORDER BY message->>'step_uuid'`,
        [taskUuid],
      ),
      wakeUps:
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM tasker.queue_messages
            WHERE message->>'task_uuid' = $1 AND queue_name = 'orchestration_step_results'`,
            [taskUuid],
          )
        )[0]!.n > 0,
    });
    all.signals.sort((x: { message: { step_uuid: string } }, y: { message: { step_uuid: string } }) =>
      x.message.step_uuid.localeCompare(y.message.step_uuid),
    );
    return all;
  }

  /** A task of `template` run round by round through `planner`, the outcomes given by `outcomeOf`. */
  async function runner(template: string, planner: OutcomePlanner) {
    const { task } = await h.tasker.client.createTask({ name: template, namespace: "test_alpha" });
    let goingOn: ClaimedStep[] = [];
    let held: ClaimedStep[] = [];
    return {
      taskUuid: task.task_uuid,
      /**
       * Claims what is enqueued, stores every running step's outcome in one batch (`oneAtATime`: the
       * first's only, the others kept running for the next round); returns the steps gone on with.
       */
      async round(
        outcomeOf: (step: ClaimedStep) => OutcomeToStore["outcome"],
        continues: boolean,
        oneAtATime = false,
      ) {
        const db = h.tasker.database;
        const enqueued = await db.query<{ uuid: string }>(
          "SELECT workflow_step_uuid AS uuid FROM tasker.workflow_steps WHERE task_uuid = $1 AND state = 'enqueued' ORDER BY position",
          [task.task_uuid],
        );
        const running = [...goingOn, ...held];
        for (const { uuid } of enqueued) {
          const claim = await claimStep(db, uuid, WORKER, 30);
          if (!claim || claim === "busy") throw new Error(`step ${uuid} could not be claimed`);
          running.push(claim);
        }
        running.sort((a, b) => a.name.localeCompare(b.name));
        held = oneAtATime ? running.splice(1) : [];
        const outcomes = running.map(
          (step): OutcomeToStore => ({
            taskUuid: step.task_uuid,
            stepUuid: step.workflow_step_uuid,
            workerId: WORKER,
            attempts: step.attempts,
            outboxMsgId: null,
            outcome: outcomeOf(step),
            continueWith: continues ? { leaseSeconds: 30, handlers: HANDLERS } : undefined,
          }),
        );
        const stored = await db.transaction((tx) =>
          planner.store(tx, outcomes, { jitterPercent: 0, logger }),
        );
        goingOn = stored.flatMap((s) => (s?.next ? [s.next] : []));
        return {
          ran: running.map((s) => s.name),
          applied: stored.map((s) => s?.applied),
          // One after the other, the reference's earlier outcomes see the task before the later ones.
          status: stored.at(-1)?.taskStatus,
          next: goingOn.map((s) => [s.name, s.attempts, s.dependency_results]).sort(),
        };
      },
      /** The orchestrator's wake-up for a retry that is due: a full evaluation. */
      async wake() {
        await h.tasker.database.transaction((tx) => evaluateTask(tx, task.task_uuid));
      },
    };
  }

  /** Runs both planners side by side until both tasks end, comparing after every round. */
  async function sideBySide(
    template: string,
    outcomeOf: (step: ClaimedStep) => OutcomeToStore["outcome"],
    continues: (round: number) => boolean,
    oneAtATime = false,
  ) {
    const reference = await runner(template, planFromSteps);
    const counts = await runner(template, planFromCounts);
    const log: string[][] = [];
    for (let round = 0; round < 20; round++) {
      const [a, b] = [
        await reference.round(outcomeOf, continues(round), oneAtATime),
        await counts.round(outcomeOf, continues(round), oneAtATime),
      ];
      expect(b).toEqual(a);
      log.push(a.ran);
      if (a.ran.length === 0) {
        const status = (await rows(reference.taskUuid)).task[0].status;
        if (status !== "waiting_for_retry" && status !== "blocked_by_failures") break;
        await new Promise((r) => setTimeout(r, 20)); // the retry comes due
        await reference.wake();
        await counts.wake();
      }
      expect(await rows(counts.taskUuid)).toEqual(await rows(reference.taskUuid));
    }
    return { log, final: await rows(counts.taskUuid), tasks: [reference.taskUuid, counts.taskUuid] };
  }

  const success = (step: ClaimedStep) => ({
    ok: true as const,
    result: { step: step.name, n: step.attempts },
  });
  const failing =
    (failures: Record<string, { times: number; retryable: boolean }>) =>
    (step: ClaimedStep): OutcomeToStore["outcome"] => {
      const f = failures[step.name];
      if (!f || step.attempts > f.times) return success(step);
      return {
        ok: false,
        error: {
          message: `${step.name} failed on attempt ${step.attempts}`,
          code: f.retryable ? "unavailable" : "refused",
          retryable: f.retryable,
          kind: f.retryable ? "retryable" : "permanent",
          metadata: null,
          retry_after_ms: 0,
        },
      };
    };

  it("a chain: each step goes on with the next, the task completes", async () => {
    const { log, final } = await sideBySide("linear5", success, () => true);
    expect(log.slice(0, 5)).toEqual([["a"], ["b"], ["c"], ["d"], ["e"]]);
    expect(final.task[0]).toMatchObject({ status: "complete", steps_done: 5, steps_running: 0 });
  });

  it("a fan-out and its join, the branches stored in one batch, without going on", async () => {
    const { log, final } = await sideBySide("fanout", success, () => false);
    expect(log.slice(0, 4)).toEqual([["a"], ["b", "c", "d"], ["e"], ["f"]]);
    expect(final.task[0]).toMatchObject({ status: "complete", steps_done: 6 });
  });

  it("a fan-out whose branches go on: the join is claimed for one of them with every result", async () => {
    const { final } = await sideBySide("fanout", success, () => true);
    expect(final.task[0]).toMatchObject({ status: "complete", steps_done: 6 });
  });

  it("retries: a branch fails twice and is retried after its wake-up while the other goes on", async () => {
    const { final } = await sideBySide(
      "diamond",
      failing({ b: { times: 2, retryable: true } }),
      (r) => r > 0,
    );
    expect(final.task[0]).toMatchObject({ status: "complete", steps_done: 4, steps_waiting: 0 });
    expect(final.steps.find((s: { name: string }) => s.name === "b")).toMatchObject({ attempts: 3 });
  });

  it("a permanent failure: blocked while the other branch runs, then error with the reason", async () => {
    const { final } = await sideBySide("fanout", failing({ c: { times: 9, retryable: false } }), () => true);
    expect(final.task[0]).toMatchObject({ status: "error", steps_failed: 1, steps_done: 3 });
    expect(final.task[0].error).toContain("step c failed (refused)");
  });

  it("a success ends its task in error when a sibling failed for good before: the reason and its event", async () => {
    const failed: { task: string; error: string | null }[] = [];
    const stop = h.tasker.events.on("task.failed", (e) => {
      failed.push({ task: e.task_uuid, error: e.error });
    });
    try {
      const { log, final, tasks } = await sideBySide(
        "fanout",
        failing({ c: { times: 9, retryable: false } }),
        () => true,
        true,
      );
      // d's success, stored alone with nothing else running, ends the task.
      expect(log.slice(0, 4)).toEqual([["a"], ["b"], ["c"], ["d"]]);
      const reason = "step c failed (refused): c failed on attempt 1";
      expect(final.task[0]).toMatchObject({ status: "error", steps_failed: 1, steps_done: 3, error: reason });
      // Only this test's two tasks: an earlier test's task.failed may still be on its way.
      await vi.waitFor(() =>
        expect(failed.filter((e) => tasks.includes(e.task)).map((e) => e.error)).toEqual([reason, reason]),
      );
    } finally {
      stop();
    }
  });

  it("attempts run out: the retries end in error", async () => {
    const { final } = await sideBySide("retrying", failing({ a: { times: 9, retryable: true } }), () => true);
    expect(final.task[0]).toMatchObject({ status: "error", steps_failed: 1 });
    expect(final.steps[0]).toMatchObject({ state: "error", attempts: 3 });
  });

  it("a decision creates its branch and the convergence step, going on and not", async () => {
    const deciding = (step: ClaimedStep) =>
      step.name === "b" ? { ok: true as const, result: decide(["d"], { n: step.attempts }) } : success(step);
    for (const continues of [true, false]) {
      const { log, final } = await sideBySide("decision", deciding, () => continues);
      expect(log.slice(0, 5)).toEqual([["a"], ["b"], ["d"], ["e"], ["f"]]);
      expect(final.task[0]).toMatchObject({ status: "complete", step_count: 5, steps_done: 5 });
      expect(final.steps.map((s: { name: string }) => s.name)).toEqual(["a", "b", "d", "e", "f"]);
    }
  });

  it("a decision naming a step it cannot create fails for good", async () => {
    const refused = (step: ClaimedStep) =>
      step.name === "b" ? { ok: true as const, result: decide(["f"]) } : success(step);
    const { final } = await sideBySide("decision", refused, () => true);
    expect(final.task[0]).toMatchObject({ status: "error", step_count: 2, steps_failed: 1 });
  });
});
