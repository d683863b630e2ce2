// Workflow 5 end to end through HTTP: POST /refunds -> route_refund (a decision) creates
// auto_approve for a small refund or manager_approval for a large one, never both; record_outcome
// (a deferred convergence step) records the approval on the row. On PGlite and on PostgreSQL.
import { testBackends } from "@tasker-ts/tasker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

describe.each(testBackends())("refund approval routing on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["approvals"] });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const create = (body: unknown) => t.request("POST", "/refunds", body);
  const settle = async (body: Record<string, unknown>) => {
    const created = await create(body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "processing", decision: null });
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    const row = await waitForRowStatus(t, `/refunds/${created.body.id}`, ["completed", "failed"]);
    const steps = await getTaskSteps(t.orchestrationUrl, task.task_uuid);
    return { task, row, names: steps.map((s) => s.name).sort() };
  };

  it("auto-approves a refund up to the limit: the manager step is never created", async () => {
    const { task, row, names } = await settle({ order_ref: "ORD-1001", amount: 100, reason: "damaged" });
    expect(task.status).toBe("complete");
    expect(names).toEqual(["auto_approve", "record_outcome", "route_refund", "validate_refund"]);
    const route = await getStep(t.orchestrationUrl, task.task_uuid, "route_refund");
    expect(route.results).toMatchObject({
      routed_to: "auto_approve",
      decision_point_outcome: { type: "create_steps", step_names: ["auto_approve"] },
    });
    expect(row).toMatchObject({
      status: "completed",
      amount: 100,
      decision: "approved",
      decided_by: "auto",
      result: { approval_step: "auto_approve", decision: "approved" },
      error: null,
    });
    expect(row.decided_at).toEqual(expect.any(String));
    expect(row.task).toMatchObject({ status: "complete", total_steps: 4, completed_steps: 4 });
  });

  it("sends a larger refund to the manager, who approves it; auto_approve is never created", async () => {
    const { task, row, names } = await settle({ order_ref: "ORD-1002", amount: 100.01 });
    expect(task.status).toBe("complete");
    expect(names).toEqual(["manager_approval", "record_outcome", "route_refund", "validate_refund"]);
    expect(row).toMatchObject({ decision: "approved", decided_by: "manager" });
    const outcome = await getStep(t.orchestrationUrl, task.task_uuid, "record_outcome");
    expect(outcome.results).toMatchObject({ decision: "approved", decided_by: "manager" });
  });

  it("records the manager's rejection above their limit (the task completes: the process ran)", async () => {
    const { task, row } = await settle({ order_ref: "ORD-1003", amount: 7500 });
    expect(task.status).toBe("complete");
    expect(row).toMatchObject({ status: "completed", decision: "rejected", decided_by: "manager" });
    expect(row.result.note).toContain("above the manager's limit");
  });

  it("answers bad bodies and ids with 4xx naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ order_ref: "ORD-1", amount: -5 }, "amount"],
      [{ order_ref: "ORD-1", amount: 10.001 }, "amount"],
      [{ order_ref: "", amount: 10 }, "order_ref"],
      [{ order_ref: "ORD-1", amount: "10" }, "amount"],
      [{ order_ref: "ORD-1", amount: 10, approver: "me" }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe("invalid request body");
      expect(JSON.stringify(res.body.issues)).toContain(field);
    }
    expect((await t.request("GET", "/refunds/abc")).status).toBe(400);
    expect((await t.request("GET", "/refunds/999999")).status).toBe(404);
  });
});
