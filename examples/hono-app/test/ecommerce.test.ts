// Workflow 1 end to end through HTTP: POST /orders -> the task runs on the engine -> the order,
// stock, payment, invoice and outbox change; on PGlite and on PostgreSQL.
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { email_outbox, invoices, payments, products, stock_movements } from "../src/db/schema.js";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

const STEPS = [
  "validate_inventory",
  "process_payment",
  "update_inventory",
  "send_confirmation",
  "generate_invoice",
];

const order = (overrides: Record<string, unknown> = {}) => ({
  customer_email: "ada@example.com",
  items: [
    { sku: "WIDGET-001", quantity: 2 },
    { sku: "GIZMO-003", quantity: 1 },
  ],
  payment_info: { method: "card", token: "tok_visa" },
  ...overrides,
});

describe.each(testBackends())("e-commerce order processing on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["ecommerce"] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const stockOf = async (sku: string) =>
    (await t.deps.db.select().from(products).where(eq(products.sku, sku)))[0]!.stock;

  it("runs all five steps, charges once, moves stock, confirms and invoices", async () => {
    const widgetsBefore = await stockOf("WIDGET-001");
    const gizmosBefore = await stockOf("GIZMO-003");

    const created = await t.request("POST", "/orders", order());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      customer_email: "ada@example.com",
      status: "processing",
      subtotal: 188.98,
      tax: 16.54,
      shipping: 0,
      total: 205.52,
    });
    expect(created.body.task_uuid).toMatch(/^[0-9a-f-]{36}$/);
    const orderId = created.body.id as number;

    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("complete");
    expect(task.completion_percentage).toBe(100);
    const steps = await getTaskSteps(t.orchestrationUrl, task.task_uuid);
    expect(steps.map((s) => s.name).sort()).toEqual([...STEPS].sort());
    expect(steps.every((s) => s.current_state === "complete")).toBe(true);

    const validate = await getStep(t.orchestrationUrl, task.task_uuid, "validate_inventory");
    expect(validate.results).toMatchObject({ subtotal: 188.98, tax: 16.54, shipping: 0, total: 205.52 });
    const payment = await getStep(t.orchestrationUrl, task.task_uuid, "process_payment");
    expect(payment.results).toMatchObject({ amount_charged: 205.52, currency: "USD" });
    expect((payment.results as { payment_id: string }).payment_id).toMatch(/^pay_/);
    expect(payment.attempts).toBe(1);
    const confirmation = await getStep(t.orchestrationUrl, task.task_uuid, "send_confirmation");
    expect(confirmation.results).toMatchObject({
      recipient: "ada@example.com",
      subject: `Order #${orderId} confirmed`,
    });
    const invoice = await getStep(t.orchestrationUrl, task.task_uuid, "generate_invoice");
    expect(invoice.results).toMatchObject({
      invoice_number: `INV-${String(orderId).padStart(6, "0")}`,
      total: 205.52,
    });

    // The row follows the task (lifecycle event), and GET shows the task summary.
    const row = await waitForRowStatus(t, `/orders/${orderId}`, ["completed"]);
    expect(row.error).toBeNull();
    expect(row.task).toMatchObject({
      status: "complete",
      completion_percentage: 100,
      completed_steps: 5,
      total_steps: 5,
    });
    expect(row.task.steps.map((s: { name: string }) => s.name).sort()).toEqual([...STEPS].sort());
    expect(
      row.task.steps.every(
        (s: { state: string; attempts: number }) => s.state === "complete" && s.attempts === 1,
      ),
    ).toBe(true);

    // Domain effects, each exactly once.
    expect(await stockOf("WIDGET-001")).toBe(widgetsBefore - 2);
    expect(await stockOf("GIZMO-003")).toBe(gizmosBefore - 1);
    const db = t.deps.db;
    expect(await db.select().from(payments).where(eq(payments.order_id, orderId))).toMatchObject([
      { amount: 205.52, status: "captured" },
    ]);
    expect(await db.select().from(stock_movements).where(eq(stock_movements.order_id, orderId))).toHaveLength(
      2,
    );
    expect(await db.select().from(invoices).where(eq(invoices.order_id, orderId))).toMatchObject([
      { invoice_number: `INV-${String(orderId).padStart(6, "0")}`, total: 205.52 },
    ]);
    await t.jobs.drain();
    const [mail] = await db
      .select()
      .from(email_outbox)
      .where(eq(email_outbox.dedupe_key, `order:${orderId}:confirmation`));
    expect(mail).toMatchObject({ status: "sent", recipients: ["ada@example.com"] });
  });

  it("ends a declined card in error with the order failed, and charges nothing", async () => {
    const created = await t.request(
      "POST",
      "/orders",
      order({ payment_info: { method: "card", token: "tok_declined" } }),
    );
    expect(created.status).toBe(201);
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("error");
    const payment = await getStep(t.orchestrationUrl, task.task_uuid, "process_payment");
    expect(payment.current_state).toBe("error");
    expect(payment.attempts).toBe(1);
    expect(payment.error).toMatchObject({ code: "card_declined", retryable: false });
    const later = await getStep(t.orchestrationUrl, task.task_uuid, "update_inventory");
    expect(later.current_state).toBe("pending");

    const row = await waitForRowStatus(t, `/orders/${created.body.id}`, ["failed"]);
    expect(row.error).toContain("card_declined");
    expect(row.task.status).toBe("error");
    expect(await t.deps.db.select().from(payments).where(eq(payments.order_id, created.body.id))).toEqual([]);
  });

  it("retries a flaky gateway once: process_payment completes on attempt 2", async () => {
    const created = await t.request(
      "POST",
      "/orders",
      order({ payment_info: { method: "card", token: "tok_flaky" } }),
    );
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("complete");
    const payment = await getStep(t.orchestrationUrl, task.task_uuid, "process_payment");
    expect(payment.current_state).toBe("complete");
    expect(payment.attempts).toBe(2);
    expect(
      await t.deps.db.select().from(payments).where(eq(payments.order_id, created.body.id)),
    ).toHaveLength(1);
    await waitForRowStatus(t, `/orders/${created.body.id}`, ["completed"]);
  });

  it("refuses charges over 10,000 and orders for unknown skus or short stock, naming the cause", async () => {
    const big = await t.request("POST", "/orders", order({ items: [{ sku: "GIZMO-003", quantity: 80 }] }));
    const unknown = await t.request("POST", "/orders", order({ items: [{ sku: "NOPE-999", quantity: 1 }] }));
    const scarce = await t.request("POST", "/orders", order({ items: [{ sku: "SCARCE-004", quantity: 4 }] }));
    expect(unknown.body.total).toBeNull();

    const bigTask = await waitForTaskCompletion(t.orchestrationUrl, big.body.task_uuid);
    expect(bigTask.status).toBe("error");
    expect((await getStep(t.orchestrationUrl, bigTask.task_uuid, "process_payment")).error).toMatchObject({
      code: "amount_limit_exceeded",
    });

    for (const [res, code, sku] of [
      [unknown, "unknown_sku", "NOPE-999"],
      [scarce, "insufficient_stock", "SCARCE-004"],
    ] as const) {
      const task = await waitForTaskCompletion(t.orchestrationUrl, res.body.task_uuid);
      expect(task.status).toBe("error");
      const step = await getStep(t.orchestrationUrl, task.task_uuid, "validate_inventory");
      expect(step.error).toMatchObject({ code });
      expect(step.error?.message).toContain(sku);
      const row = await waitForRowStatus(t, `/orders/${res.body.id}`, ["failed"]);
      expect(row.error).toContain(sku);
    }
    expect(await stockOf("SCARCE-004")).toBe(3);
  });

  it("accepts an order asynchronously: 202 queued, then the normal path", async () => {
    const accepted = await t.request("POST", "/orders/async", order({ customer_email: "grace@example.com" }));
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ id: expect.any(Number), status: "queued" });
    const row = await waitForRowStatus(t, `/orders/${accepted.body.id}`, ["completed", "failed"]);
    expect(row.status).toBe("completed");
    expect(row.task_uuid).toMatch(/^[0-9a-f-]{36}$/);
    const task = await waitForTaskCompletion(t.orchestrationUrl, row.task_uuid);
    expect(task.status).toBe("complete");
    expect(task.context).toMatchObject({ order_id: accepted.body.id, customer_email: "grace@example.com" });
  });

  it("answers 400 for bad bodies and malformed ids, 404 for unknown orders", async () => {
    const bad = await t.request("POST", "/orders", {
      customer_email: "not-an-email",
      items: [{ sku: "WIDGET-001", quantity: 0 }],
      payment_info: { method: "cash", token: "" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid request body");
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "customer_email",
      "items.0.quantity",
      "payment_info.method",
      "payment_info.token",
    ]);
    const priced = await t.request("POST", "/orders", { ...order(), total: 1 });
    expect(priced.status).toBe(400);
    expect(JSON.stringify(priced.body.issues)).toContain("total");
    const twice = await t.request(
      "POST",
      "/orders/async",
      order({
        items: [
          { sku: "WIDGET-001", quantity: 1 },
          { sku: "WIDGET-001", quantity: 2 },
        ],
      }),
    );
    expect(twice.status).toBe(400);
    expect(twice.body.issues[0].path).toBe("items.1.sku");
    const notJson = await t.request("POST", "/orders", "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/json/i);

    const malformed = await t.request("GET", "/orders/abc");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toContain("malformed order id");
    const missing = await t.request("GET", "/orders/999999");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "order 999999 not found" });
  });
});
