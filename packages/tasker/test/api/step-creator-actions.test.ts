// Operator actions on a decision or batchable step (issue #27): finishing one by hand would create
// none of the steps its outcome creates, so resolve_manually and complete_manually are refused
// with a 409 naming the step's type; reset_for_retry runs its handler again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineHandler, PermanentError } from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const creators = parseTemplateObject({
  name: "creators",
  namespace_name: "api_creators",
  version: "1.0.0",
  steps: [
    { name: "start", handler: { callable: "api_creators.ok" } },
    { name: "route", type: "decision", dependencies: ["start"], handler: { callable: "api_creators.fail" } },
    { name: "branch", dependencies: ["route"], handler: { callable: "api_creators.ok" } },
    {
      name: "split",
      type: "batchable",
      dependencies: ["start"],
      handler: { callable: "api_creators.fail" },
      batch_config: { batch_size: 10, worker_template: "work" },
    },
    { name: "work", type: "batch_worker", dependencies: ["split"], handler: { callable: "api_creators.ok" } },
  ],
}).template;

describe.each(testBackends())("operator actions on step-creating steps on %s", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend, { tasker: { templates: [creators] } });
    await h.tasker.startWorker({
      handlers: [
        defineHandler("api_creators.fail", {}, async () => {
          throw new PermanentError("no answer");
        }),
        defineHandler("api_creators.ok", {}, async () => ({})),
      ],
      namespaces: ["api_creators"],
      pollIntervalMs: 100,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("resolve_manually and complete_manually are 409 naming the step's type", async () => {
    const { task } = await h.client.createTask({ name: "creators", namespace: "api_creators", context: {} });
    const task_uuid = task.task_uuid;
    const failed = await h.client.waitForTask(task_uuid, { timeoutMs: 20_000, intervalMs: 100 });
    expect(failed.status).toBe("error");
    for (const [name, type] of [
      ["route", "decision"],
      ["split", "batchable"],
    ]) {
      const step = failed.steps.find((s) => s.name === name)!;
      expect(step.current_state).toBe("error");
      const path = `/v1/tasks/${task_uuid}/workflow_steps/${step.workflow_step_uuid}`;
      for (const json of [
        { action_type: "resolve_manually", reason: "skip it" },
        { action_type: "complete_manually", reason: "by hand", completion_data: { result: {} } },
      ]) {
        const refused = await call(h.url, path, { method: "PATCH", json });
        expect(refused.status, `${name} ${json.action_type}`).toBe(409);
        expect(refused.body.error.message).toContain(`is a ${type} step`);
      }
      expect((await call(h.url, path)).body.current_state).toBe("error");
    }
    const retried = await call(
      h.url,
      `/v1/tasks/${task_uuid}/workflow_steps/${failed.steps.find((s) => s.name === "route")!.workflow_step_uuid}`,
      { method: "PATCH", json: { action_type: "reset_for_retry", reason: "try again" } },
    );
    expect(retried.status).toBe(200);
  });
});
