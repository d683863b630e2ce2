// A task can end before the route that created it has stored its uuid on the row (its steps run
// in the worker while createTask's answer is on its way back). Here the engine's answer is held
// back until the task has ended and its lifecycle event has been applied, so every event arrives
// before the row knows its task: the row must still follow the task, through HTTP.
import { TASK_TERMINAL_EVENTS, type Tasker } from "@tasker-ts/tasker";
import type { TaskerClient } from "@tasker-ts/tasker/client";
import { testBackends } from "@tasker-ts/tasker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";

/** The engine's client, but createTask answers only once the task ended and its event was applied. */
function answersAfterTheTaskEnded(tasker: Tasker, applied: () => Promise<void>, enabled: () => boolean) {
  const client = Object.create(tasker.client) as TaskerClient;
  client.createTask = async (request) => {
    if (!enabled()) return tasker.client.createTask(request);
    const ended = new Promise<void>((resolve) => {
      const offs = TASK_TERMINAL_EVENTS.map((name) =>
        tasker.events.on(name, (event) => {
          if (event.correlation_id !== request.correlation_id || event.namespace !== request.namespace)
            return;
          for (const off of offs) off();
          resolve();
        }),
      );
    });
    const created = await tasker.client.createTask(request);
    await ended;
    // The app's subscriber heard the event before this listener did: wait until it is applied.
    await applied();
    return created;
  };
  return client;
}

describe.each(testBackends())("a task that ends before its row stores it, on %s", (backend) => {
  let t: TestApp;
  let holdAnswers = true;
  beforeAll(async () => {
    t = await startTestApp(backend, {
      // No worker for microservices: its tasks wait, so one can be cancelled.
      namespaces: ["ecommerce", "sales", "compliance"],
      client: (tasker) =>
        answersAfterTheTaskEnded(
          tasker,
          () => t.statusSubscription.idle(),
          () => holdAnswers,
        ),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const order = (token: string) => ({
    customer_email: "ada@example.com",
    items: [{ sku: "WIDGET-001", quantity: 1 }],
    payment_info: { method: "card", token },
  });

  it("an order whose task completed first is completed, with its task", async () => {
    const created = await t.request("POST", "/orders", order("tok_visa"));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "completed", error: null });
    expect(created.body.task_uuid).toEqual(expect.any(String));
    const read = await t.request("GET", `/orders/${created.body.id}`);
    expect(read.body).toMatchObject({ status: "completed", task: { status: "complete" } });
  });

  it("an order whose task failed first is failed, with the reason", async () => {
    const created = await t.request("POST", "/orders", order("tok_declined"));
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("failed");
    expect(created.body.error).toContain("card_declined");
  });

  it("a queued order whose task completed before the job stored it is completed", async () => {
    const queued = await t.request("POST", "/orders/async", order("tok_visa"));
    expect(queued.status).toBe(202);
    const done = await waitForRowStatus(t, `/orders/${queued.body.id}`, ["completed", "failed"]);
    expect(done).toMatchObject({ status: "completed", task: { status: "complete" } });
  });

  it("a compliance check whose two tasks both ended first is completed, with both tasks", async () => {
    const created = await t.request("POST", "/compliance/checks", {
      order_ref: "PO-RACE",
      items: [{ sku: "WIDGET-001", quantity: 2 }],
      destination: { country: "DE" },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("completed");
    expect(Object.keys(created.body.task_uuids).sort()).toEqual(["compliance", "sales"]);
    expect(created.body.task_uuid).toBe(created.body.task_uuids.compliance);
  });

  it("a row whose task is cancelled is cancelled", async () => {
    holdAnswers = false;
    try {
      const created = await t.request("POST", "/services/requests", {
        user_id: "cust-001",
        request_type: "profile_summary",
      });
      expect(created.body.status).toBe("processing");
      await t.tasker.client.cancelTask(created.body.task_uuid, "test");
      const cancelled = await waitForRowStatus(t, `/services/requests/${created.body.id}`, ["cancelled"]);
      expect(cancelled.task.status).toBe("cancelled");
    } finally {
      holdAnswers = true;
    }
  });
});
