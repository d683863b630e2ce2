// A handler's database failure keeps PostgreSQL's reason in the stored step error (issue #28:
// it was stored as "Failed query: insert ..." with no code, detail or constraint). The example
// app's process_payment inserts a payment for an order that does not exist: a foreign key
// violation, on PGlite and on PostgreSQL.
import { testBackends } from "@tasker-ts/tasker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app-harness.js";
import { getStep, waitForTaskCompletion } from "./support/orchestration.js";

describe.each(testBackends())("a handler's database error on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["ecommerce"] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("is stored with PostgreSQL's code, detail and constraint", async () => {
    const { task } = await t.tasker.client.createTask({
      namespace: "ecommerce",
      name: "order_processing",
      context: {
        order_id: 999_999,
        customer_email: "ada@example.com",
        items: [{ sku: "WIDGET-001", quantity: 1 }],
        payment_info: { method: "card", token: "tok_visa" },
      },
    });
    const done = await waitForTaskCompletion(t.orchestrationUrl, task.task_uuid, { timeoutMs: 60_000 });
    expect(done.status).toBe("error");
    const step = await getStep(t.orchestrationUrl, task.task_uuid, "process_payment");
    expect(step.error?.message).toMatch(/^Failed query: insert into "app"\."payments"/);
    expect(step.error?.message).toMatch(
      /\(caused by \w+ 23503: insert or update on table "payments" violates foreign key constraint "payments_order_id_\w+"; Key \(order_id\)=\(999999\) is not present in table "orders"\.\)$/,
    );
    expect(step.error?.metadata).toEqual({
      cause: [
        expect.objectContaining({
          code: "23503",
          constraint: expect.stringMatching(/^payments_order_id_/),
          detail: 'Key (order_id)=(999999) is not present in table "orders".',
          table: "payments",
          schema: "app",
        }),
      ],
    });
  });
});
