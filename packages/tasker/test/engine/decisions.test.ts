// Decision points and deferred convergence (issue #27): a task starts with the steps up to its
// first decision; the decision's outcome creates the steps it names, and their descendants, in
// the transaction that stores its result.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { decide, defineHandler, noBranches, Tasker, type Worker } from "../../src/index.js";
import { type OutcomeToStore, planFromCounts, planFromSteps } from "../../src/lifecycle/store-outcomes.js";
import { createLogger } from "../../src/observability/logger.js";
import { claimStep, readDependencyResults } from "../../src/store/sql/steps.js";
import { TemplateStore } from "../../src/store/template-store.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import { type Execution, programmableHandler } from "../support/engine-harness.js";

const logger = createLogger({ level: "silent" });

const approval = parseTemplateObject({
  name: "approval_routing",
  namespace_name: "test_decisions",
  version: "1.0.0",
  steps: [
    { name: "validate", handler: { callable: "decisions.validate" } },
    { name: "route", type: "decision", dependencies: ["validate"], handler: { callable: "decisions.route" } },
    { name: "auto_approve", dependencies: ["route"], handler: { callable: "decisions.auto_approve" } },
    {
      name: "manager_approval",
      dependencies: ["route"],
      handler: { callable: "decisions.manager_approval" },
    },
    {
      name: "finance_review",
      dependencies: ["manager_approval"],
      handler: { callable: "decisions.finance_review" },
    },
    {
      name: "finalize",
      type: "deferred_convergence",
      dependencies: ["auto_approve", "manager_approval", "finance_review"],
      handler: { callable: "decisions.finalize" },
    },
    { name: "notify", dependencies: ["finalize"], handler: { callable: "decisions.notify" } },
  ],
}).template;

/** Two decisions side by side, each creating one parent of the same convergence step. */
const twoDecisions = parseTemplateObject({
  name: "two_decisions",
  namespace_name: "test_decisions",
  version: "1.0.0",
  steps: [
    { name: "start", handler: { callable: "decisions.start" } },
    { name: "left", type: "decision", dependencies: ["start"], handler: { callable: "decisions.left" } },
    { name: "right", type: "decision", dependencies: ["start"], handler: { callable: "decisions.right" } },
    { name: "x", dependencies: ["left"], handler: { callable: "decisions.x" } },
    { name: "y", dependencies: ["right"], handler: { callable: "decisions.y" } },
    {
      name: "join",
      type: "deferred_convergence",
      dependencies: ["x", "y"],
      handler: { callable: "decisions.join" },
    },
  ],
}).template;
const left = defineHandler("decisions.left", {}, async () => decide(["x"]));
const right = defineHandler("decisions.right", {}, async (ctx) => {
  await new Promise((r) => setTimeout(r, (ctx.input as { right_ms?: number }).right_ms ?? 0));
  return decide(["y"]);
});

/** `route` decides from the task's context: { route: "auto" | "manager" | "none" | <a step name> }. */
const route = defineHandler("decisions.route", {}, async (ctx) => {
  const choice = (ctx.input as { route: string }).route;
  if (choice === "none") return noBranches({ reason: "nothing to approve" });
  if (choice === "plain") return { amount: 10 };
  if (choice === "auto") return decide(["auto_approve"], { amount: 10 });
  if (choice === "manager") return decide(["manager_approval"], { amount: 5000 });
  return decide([choice]);
});

describe.each(testBackends())("decision points on %s", (backend) => {
  let tasker: Tasker;
  let worker: Worker;
  let db: TestDatabase | undefined;
  const executions: Execution[] = [];
  beforeAll(async () => {
    if (backend === "postgres") db = await createTestDatabase();
    tasker = await Tasker.open({
      ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
      templates: [approval, twoDecisions, { ...approval, namespace_name: "test_decisions_manual" }],
    });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
    const others = [...approval.steps, ...twoDecisions.steps]
      .filter((s) => !["route", "left", "right"].includes(s.name))
      .map((s) => programmableHandler(s.handler.callable, executions));
    worker = await tasker.startWorker({
      handlers: [route, left, right, ...others],
      pollIntervalMs: 100,
      concurrency: 4,
      namespaces: ["test_decisions"],
    });
  });
  afterAll(async () => {
    await tasker?.close();
    await db?.drop();
  });

  const run = async (routeTo: string) => {
    const { task } = await tasker.client.createTask({
      name: "approval_routing",
      namespace: "test_decisions",
      context: { route: routeTo },
    });
    return tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
  };
  const stepNames = (task: { steps: { name: string }[] }) => task.steps.map((s) => s.name).sort();

  it("fails a decision for good when its result carries no outcome at all, creating nothing", async () => {
    const task = await run("plain");
    expect(task.status).toBe("error");
    const decision = task.steps.find((s) => s.name === "route");
    expect(decision?.error).toMatchObject({
      code: "invalid_decision_outcome",
      retryable: false,
      message: expect.stringContaining('decision "route" returned a result without a decision_point_outcome'),
    });
    expect(decision?.attempts).toBe(1);
    expect(stepNames(task)).toEqual(["route", "validate"]);
  });

  it("starts a task with the steps up to its first decision", async () => {
    const { task } = await tasker.client.createTask({
      name: "approval_routing",
      namespace: "test_decisions",
      context: { route: "auto" },
    });
    expect(stepNames(task)).toEqual(["route", "validate"]);
    expect(task.total_steps).toBe(2);
    await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
  });

  it("create_steps: creates the named branch and the convergence step, with an edge from it alone", async () => {
    const task = await run("auto");
    expect(task.status).toBe("complete");
    expect(stepNames(task)).toEqual(["auto_approve", "finalize", "notify", "route", "validate"]);
    expect(task.total_steps).toBe(5);
    expect(task.steps.every((s) => s.current_state === "complete")).toBe(true);
    const finalize = task.steps.find((s) => s.name === "finalize")!;
    expect(finalize).toMatchObject({ total_parents: 1, completed_parents: 1 });
    expect(finalize.results).toMatchObject({ saw: ["auto_approve", "route", "validate"] });
    expect(task.steps.find((s) => s.name === "route")?.results).toEqual({
      amount: 10,
      decision_point_outcome: { type: "create_steps", step_names: ["auto_approve"] },
    });
  });

  it("create_steps: a named step's descendants are created, the convergence step waits for all of them", async () => {
    const task = await run("manager");
    expect(task.status).toBe("complete");
    expect(stepNames(task)).toEqual([
      "finalize",
      "finance_review",
      "manager_approval",
      "notify",
      "route",
      "validate",
    ]);
    expect(task.steps.find((s) => s.name === "finalize")).toMatchObject({
      total_parents: 2,
      completed_parents: 2,
    });
    const runs = executions.filter((e) => e.task === task.task_uuid);
    const at = (step: string) => runs.find((e) => e.step === step)!;
    expect(at("finalize").start).toBeGreaterThanOrEqual(at("finance_review").end);
  });

  it("no_branches: the task completes with the steps behind the decision never created", async () => {
    const task = await run("none");
    expect(task.status).toBe("complete");
    expect(task.completion_percentage).toBe(100);
    expect(stepNames(task)).toEqual(["route", "validate"]);
  });

  it("a decision naming an unknown step fails for good, naming it", async () => {
    const failedBefore = worker.status().failed;
    const task = await run("manger_approval");
    // The worker counts the attempt as failed, though its handler returned (once the store answers
    // it, which may be just after the task is seen in error).
    await expect.poll(() => worker.status().failed).toBe(failedBefore + 1);
    expect(task.status).toBe("error");
    const decision = task.steps.find((s) => s.name === "route")!;
    expect(decision.current_state).toBe("error");
    expect(decision.attempts).toBe(1);
    expect(decision.error).toMatchObject({
      code: "invalid_decision_outcome",
      retryable: false,
      message: expect.stringContaining('named "manger_approval", not a step of the template'),
    });
    expect(stepNames(task)).toEqual(["route", "validate"]);
  });

  it("gives each step, created at the start or by a decision, exactly its ancestors' results", async () => {
    const done = await run("manager");
    expect(done.status).toBe("complete");
    const ancestors: Record<string, string[]> = {
      validate: [],
      route: ["validate"],
      manager_approval: ["route", "validate"],
      finance_review: ["manager_approval", "route", "validate"],
      finalize: ["finance_review", "manager_approval", "route", "validate"],
      notify: ["finalize", "finance_review", "manager_approval", "route", "validate"],
    };
    expect(stepNames(done)).toEqual(Object.keys(ancestors).sort());
    for (const step of done.steps) {
      const results = await readDependencyResults(tasker.database, step.workflow_step_uuid);
      expect([step.name, Object.keys(results).sort()]).toEqual([step.name, ancestors[step.name]]);
    }
  });

  it("a decision naming a step it cannot reach fails for good", async () => {
    const task = await run("finalize");
    expect(task.status).toBe("error");
    expect(task.steps.find((s) => s.name === "route")?.error?.message).toContain("not reachable from it");
  });

  it("a convergence step created by one decision gains the parent a later decision creates, while it waits", async () => {
    const { task } = await tasker.client.createTask({
      name: "two_decisions",
      namespace: "test_decisions",
      context: { right_ms: 200, sleep_ms: { x: 1500 } },
    });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    expect(done.status).toBe("complete");
    // x, y, and right (it could create y): an ordering edge.
    expect(done.steps.find((s) => s.name === "join")).toMatchObject({
      total_parents: 3,
      completed_parents: 3,
    });
    const runs = executions.filter((e) => e.task === task.task_uuid);
    const at = (step: string) => runs.find((e) => e.step === step)!;
    expect(at("join").start).toBeGreaterThanOrEqual(Math.max(at("x").end, at("y").end));
    expect(done.steps.find((s) => s.name === "join")?.results).toMatchObject({
      saw: ["left", "right", "start", "x", "y"],
    });
  });

  it("a convergence step does not run before a decision that could still create its parent decides", async () => {
    // x is done long before right decides: join must wait for right, then for y.
    const { task } = await tasker.client.createTask({
      name: "two_decisions",
      namespace: "test_decisions",
      context: { right_ms: 1500 },
    });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    expect(done.status).toBe("complete");
    const runs = executions.filter((e) => e.task === task.task_uuid);
    const at = (step: string) => runs.find((e) => e.step === step)!;
    expect(at("join").start).toBeGreaterThanOrEqual(at("y").end);
    expect(done.steps.find((s) => s.name === "join")?.results).toMatchObject({
      saw: ["left", "right", "start", "x", "y"],
    });
  });

  describe.each([
    ["planFromCounts", planFromCounts],
    ["planFromSteps", planFromSteps],
  ] as const)("a decision's outcome stored more than once (%s)", (_, planner) => {
    const worker = "w-replay";
    /** A task of the template no worker serves; its steps up to the decision completed here. */
    async function atTheDecision() {
      const { task } = await tasker.client.createTask({
        name: "approval_routing",
        namespace: "test_decisions_manual",
        context: {},
      });
      const [validate] = await steps(task.task_uuid, "validate");
      await store(await claim(validate!.uuid), { ok: true, result: {} });
      const [decision] = await steps(task.task_uuid, "route");
      return { taskUuid: task.task_uuid, decision: await claim(decision!.uuid) };
    }
    async function steps(taskUuid: string, name?: string) {
      return tasker.database.query<{ uuid: string; name: string; state: string; unfinished_parents: number }>(
        `SELECT workflow_step_uuid AS uuid, name, state, unfinished_parents FROM tasker.workflow_steps
          WHERE task_uuid = $1 AND ($2::text IS NULL OR name = $2) ORDER BY name`,
        [taskUuid, name ?? null],
      );
    }
    async function claim(uuid: string) {
      const claimed = await claimStep(tasker.database, uuid, worker, 30);
      if (!claimed || claimed === "busy") throw new Error(`step ${uuid} could not be claimed`);
      return claimed;
    }
    function store(
      step: { task_uuid: string; workflow_step_uuid: string; attempts: number },
      outcome: OutcomeToStore["outcome"],
    ) {
      const o: OutcomeToStore = {
        taskUuid: step.task_uuid,
        stepUuid: step.workflow_step_uuid,
        workerId: worker,
        attempts: step.attempts,
        outboxMsgId: null,
        outcome,
      };
      return tasker.database.transaction((tx) => planner.store(tx, [o], { jitterPercent: 0, logger }));
    }
    async function stepCount(taskUuid: string) {
      const [row] = await tasker.database.query<{ step_count: number }>(
        "SELECT step_count FROM tasker.tasks WHERE task_uuid = $1",
        [taskUuid],
      );
      return row?.step_count;
    }
    const outcome = { ok: true as const, result: decide(["manager_approval"]) };

    it("one after the other: the second is ignored", async () => {
      const { taskUuid, decision } = await atTheDecision();
      const [first] = await store(decision, outcome);
      const [second] = await store(decision, outcome);
      expect(first?.applied).toBe("completed");
      expect(second).toBeUndefined();
      const after = await steps(taskUuid);
      expect(after.map((s) => s.name)).toEqual([
        "finalize",
        "finance_review",
        "manager_approval",
        "notify",
        "route",
        "validate",
      ]);
      expect(after.find((s) => s.name === "manager_approval")).toMatchObject({
        state: "enqueued",
        unfinished_parents: 0,
      });
      expect(after.find((s) => s.name === "finalize")).toMatchObject({
        state: "pending",
        unfinished_parents: 2,
      });
      expect(await stepCount(taskUuid)).toBe(6);
    });

    it("after its task was cancelled: the result is kept, no step is created", async () => {
      const { taskUuid, decision } = await atTheDecision();
      await tasker.client.cancelTask(taskUuid, "not needed");
      await store(decision, outcome);
      expect((await steps(taskUuid)).map((s) => s.name)).toEqual(["route", "validate"]);
      expect(await stepCount(taskUuid)).toBe(2);
      expect((await tasker.client.getTask(taskUuid)).status).toBe("cancelled");
    });

    it("a batch outcome from a decision fails it for good, naming the kind it must return", async () => {
      const { taskUuid, decision } = await atTheDecision();
      const [stored] = await store(decision, {
        ok: true,
        result: { batch_processing_outcome: { type: "no_batches" } },
      });
      expect(stored?.applied).not.toBe("completed");
      const task = await tasker.client.getTask(taskUuid);
      expect(task.steps.find((s) => s.name === "route")?.error).toMatchObject({
        code: "invalid_decision_outcome",
        retryable: false,
        message: expect.stringContaining("returned a batch_processing_outcome"),
      });
      expect(await stepCount(taskUuid)).toBe(2);
    });

    it("at the same time: the steps are created once", async () => {
      const { taskUuid, decision } = await atTheDecision();
      const stored = await Promise.all([store(decision, outcome), store(decision, outcome)]);
      expect(stored.flat().filter((s) => s?.applied === "completed")).toHaveLength(1);
      expect((await steps(taskUuid)).map((s) => s.name)).toEqual([
        "finalize",
        "finance_review",
        "manager_approval",
        "notify",
        "route",
        "validate",
      ]);
      expect(await stepCount(taskUuid)).toBe(6);
    });
  });
});

describe("decision limits", () => {
  it("Tasker.open applies decisionLimits to the templates it loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "decision-limits-"));
    try {
      writeFileSync(join(dir, "approval.yaml"), stringify(approval));
      const open = (limits: { maxStepsPerDecision: number }) =>
        Tasker.open({ dataDir: "memory://", templatePaths: [dir], decisionLimits: limits });
      await expect(open({ maxStepsPerDecision: 2 })).rejects.toThrow(
        'decision "route" can create 3 steps, more than the limit of 2 per decision',
      );
      const tasker = await open({ maxStepsPerDecision: 3 });
      await tasker.close();
      // Template objects, and templates registered later, are checked with the same limits.
      const objects = (limits: { maxStepsPerDecision: number }) =>
        Tasker.open({ dataDir: "memory://", templates: [approval], decisionLimits: limits });
      await expect(objects({ maxStepsPerDecision: 2 })).rejects.toThrow(
        'decision "route" can create 3 steps, more than the limit of 2 per decision',
      );
      const strict = await open({ maxStepsPerDecision: 3 });
      try {
        await expect(
          strict.templates.register([{ ...approval, name: "wider", steps: [...approval.steps] }]),
        ).resolves.toBeUndefined();
        const tight = new TemplateStore(strict.database, { maxStepsPerDecision: 1 });
        await expect(tight.register([{ ...approval, name: "tight" }])).rejects.toThrow(
          "more than the limit of 1 per decision",
        );
        expect(await strict.templates.get("test_decisions", "tight", "1.0.0")).toBeUndefined();
      } finally {
        await strict.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
