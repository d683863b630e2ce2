// A decision's outcome over the worker protocol: a worker in any language returns it in its
// result, under decision_point_outcome; the steps it creates show in GET /v1/tasks/{uuid}.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTemplateObject } from "../../src/template/load.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, type Body, call, startApiHarness } from "./harness.js";

const routing = parseTemplateObject({
  name: "routing",
  namespace_name: "api_decisions",
  version: "1.0.0",
  steps: [
    { name: "validate", handler: { callable: "api_decisions.validate" } },
    {
      name: "route",
      type: "decision",
      dependencies: ["validate"],
      handler: { callable: "api_decisions.route" },
    },
    { name: "small", dependencies: ["route"], handler: { callable: "api_decisions.small" } },
    { name: "large", dependencies: ["route"], handler: { callable: "api_decisions.large" } },
    {
      name: "close",
      type: "deferred_convergence",
      dependencies: ["small", "large"],
      handler: { callable: "api_decisions.close" },
    },
  ],
}).template;

const post = (h: ApiHarness, path: string, json: unknown) => call(h.url, path, { method: "POST", json });
const onRabbitMq = process.env.TASKER_MESSAGING_BACKEND === "rabbitmq";

describe.skipIf(onRabbitMq).each(testBackends())("decisions over the worker protocol (%s)", (backend) => {
  let h: ApiHarness;
  let worker: string;
  beforeAll(async () => {
    h = await startApiHarness(backend, { worker: false, tasker: { templates: [routing] } });
    const registered = await post(h, "/v1/worker/workers", {
      namespaces: ["api_decisions"],
      handlers: routing.steps.map((s) => s.handler.callable),
      sdk: { name: "test", version: "1" },
      lease_seconds: 5,
    });
    worker = registered.body.worker_id;
  });
  afterAll(async () => h?.close());

  /** Creates a task and reports `validate`'s success: answers the decision step, claimed as `next`. */
  async function atTheDecision(): Promise<{ taskUuid: string; route: Body }> {
    const { task } = await h.client.createTask({ name: "routing", namespace: "api_decisions", context: {} });
    const [validate] = (await post(h, `/v1/worker/workers/${worker}/claims`, { wait_ms: 5000 })).body.steps;
    const reported = await post(h, `/v1/worker/workers/${worker}/results`, {
      claim_token: validate.claim_token,
      outcome: { status: "success", result: { valid: true } },
    });
    expect(reported.body.next).toMatchObject({ step_name: "route" });
    return { taskUuid: task.task_uuid, route: reported.body.next };
  }

  it("create_steps: the named step and the convergence step are created and run", async () => {
    const { taskUuid, route } = await atTheDecision();
    const decided = await post(h, `/v1/worker/workers/${worker}/results`, {
      claim_token: route.claim_token,
      outcome: {
        status: "success",
        result: { amount: 5000, decision_point_outcome: { type: "create_steps", step_names: ["large"] } },
      },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.outcome).toBe("completed");
    expect(decided.body.next).toMatchObject({
      step_name: "large",
      dependency_results: { route: { amount: 5000 } },
    });
    const shown = await call(h.url, `/v1/tasks/${taskUuid}`);
    expect(shown.body.steps.map((s: Body) => s.name).sort()).toEqual(["close", "large", "route", "validate"]);

    const large = await post(h, `/v1/worker/workers/${worker}/results`, {
      claim_token: decided.body.next.claim_token,
      outcome: { status: "success", result: { approved: true } },
    });
    expect(large.body.next).toMatchObject({ step_name: "close" });
    const closed = await post(h, `/v1/worker/workers/${worker}/results`, {
      claim_token: large.body.next.claim_token,
      outcome: { status: "success", result: {} },
    });
    expect(closed.body.task_status).toBe("complete");
  });

  it("the same decision reported twice (its answer lost) creates the steps once", async () => {
    const { taskUuid, route } = await atTheDecision();
    const report = {
      claim_token: route.claim_token,
      outcome: {
        status: "success",
        result: { decision_point_outcome: { type: "create_steps", step_names: ["small"] } },
      },
    };
    const first = await post(h, `/v1/worker/workers/${worker}/results`, report);
    const again = await post(h, `/v1/worker/workers/${worker}/results`, report);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const shown = await call(h.url, `/v1/tasks/${taskUuid}`);
    expect(shown.body.steps.map((s: Body) => s.name).sort()).toEqual(["close", "route", "small", "validate"]);
    expect(shown.body.total_steps).toBe(4);
  });

  it("no_branches: the task completes without the steps behind the decision", async () => {
    const { taskUuid, route } = await atTheDecision();
    const decided = await post(h, `/v1/worker/workers/${worker}/results`, {
      claim_token: route.claim_token,
      outcome: { status: "success", result: { decision_point_outcome: { type: "no_branches" } } },
    });
    expect(decided.body).toMatchObject({ outcome: "completed", task_status: "complete" });
    const shown = await call(h.url, `/v1/tasks/${taskUuid}`);
    expect(shown.body.steps.map((s: Body) => s.name).sort()).toEqual(["route", "validate"]);
  });

  it("an outcome naming an unknown step fails the decision for good, naming it", async () => {
    const { taskUuid, route } = await atTheDecision();
    const decided = await post(h, `/v1/worker/workers/${worker}/results`, {
      claim_token: route.claim_token,
      outcome: {
        status: "success",
        result: { decision_point_outcome: { type: "create_steps", step_names: ["huge"] } },
      },
    });
    expect(decided.body).toMatchObject({ outcome: "failed", task_status: "error" });
    const steps = (await call(h.url, `/v1/tasks/${taskUuid}/workflow_steps`)).body as Body[];
    expect(steps.find((s) => s.name === "route")?.error).toMatchObject({
      code: "invalid_decision_outcome",
      metadata: { step_names: ["huge"] },
    });
  });
});
