// Every e-commerce step delivered twice, one after the other and at the same time (as
// at-least-once delivery and a worker takeover can do): the card is charged once, stock moves
// once, one email and one invoice. Real databases, handlers called as the worker calls them.
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { email_outbox, invoices, orders, payments, products, stock_movements } from "../src/db/schema.js";
import { startTestApp, type TestApp } from "./support/app-harness.js";
import { handlerFor, stepContext } from "./support/step-context.js";

describe.each(testBackends())("e-commerce steps delivered twice on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("charge, stock, email and invoice each happen once", async () => {
    const db = t.deps.db;
    const handlers = t.workflows.find((w) => w.name === "ecommerce")!.handlers;
    const run = (step: string, deps: Record<string, unknown> = {}, attempt = 1) =>
      handlerFor(handlers, `ecommerce.${step}`).handle(
        stepContext("ecommerce", step, input, deps, { attempt }),
      );

    const [order] = await db
      .insert(orders)
      .values({
        customer_email: "ada@example.com",
        items: [{ sku: "GADGET-002", quantity: 3 }],
        status: "processing",
      })
      .returning();
    const input = {
      order_id: order!.id,
      customer_email: "ada@example.com",
      items: [{ sku: "GADGET-002", quantity: 3 }],
      payment_info: { method: "card", token: "tok_visa" },
    };
    const stockBefore = (await db.select().from(products).where(eq(products.sku, "GADGET-002")))[0]!.stock;

    const priced = await run("validate_inventory");
    const validate_inventory = priced;

    const payments1 = await Promise.all([
      run("process_payment", { validate_inventory }),
      run("process_payment", { validate_inventory }),
    ]);
    const payment2 = await run("process_payment", { validate_inventory }, 2);
    const paymentIds = new Set([...payments1, payment2].map((p) => (p as { payment_id: string }).payment_id));
    expect(paymentIds.size).toBe(1);
    expect(await db.select().from(payments).where(eq(payments.order_id, order!.id))).toHaveLength(1);

    await Promise.all([
      run("update_inventory", { validate_inventory }),
      run("update_inventory", { validate_inventory }),
    ]);
    const again = (await run("update_inventory", { validate_inventory }, 2)) as {
      movements: Array<{ remaining_stock: number }>;
    };
    const stockAfter = (await db.select().from(products).where(eq(products.sku, "GADGET-002")))[0]!.stock;
    expect(stockAfter).toBe(stockBefore - 3);
    expect(again.movements[0]!.remaining_stock).toBe(stockAfter);
    expect(
      await db.select().from(stock_movements).where(eq(stock_movements.order_id, order!.id)),
    ).toHaveLength(1);

    const process_payment = payment2;
    const mails = await Promise.all([
      run("send_confirmation", { validate_inventory, process_payment }),
      run("send_confirmation", { validate_inventory, process_payment }),
    ]);
    expect(new Set(mails.map((m) => (m as { message_id: string }).message_id)).size).toBe(1);
    await t.jobs.drain();
    await run("send_confirmation", { validate_inventory, process_payment }, 2);
    await t.jobs.drain();
    const outbox = await db
      .select()
      .from(email_outbox)
      .where(eq(email_outbox.dedupe_key, `order:${order!.id}:confirmation`));
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ status: "sent", attempts: 1 });

    const invoiceResults = await Promise.all([
      run("generate_invoice", { validate_inventory }),
      run("generate_invoice", { validate_inventory }),
    ]);
    expect(new Set(invoiceResults.map((i) => (i as { invoice_number: string }).invoice_number)).size).toBe(1);
    expect(await db.select().from(invoices).where(eq(invoices.order_id, order!.id))).toHaveLength(1);
  });

  it("never takes stock below zero, refunding the charge instead", async () => {
    const db = t.deps.db;
    const handlers = t.workflows.find((w) => w.name === "ecommerce")!.handlers;
    const [order] = await db
      .insert(orders)
      .values({
        customer_email: "grace@example.com",
        items: [{ sku: "SCARCE-004", quantity: 3 }],
        status: "processing",
      })
      .returning();
    const input = {
      order_id: order!.id,
      customer_email: "grace@example.com",
      items: [{ sku: "SCARCE-004", quantity: 3 }],
      payment_info: { method: "card", token: "tok_visa" },
    };
    const run = (step: string, deps: Record<string, unknown> = {}) =>
      handlerFor(handlers, `ecommerce.${step}`).handle(stepContext("ecommerce", step, input, deps));
    const validate_inventory = await run("validate_inventory");
    await run("process_payment", { validate_inventory });
    // Someone else buys the scarce stock between validation and the stock update.
    await db.update(products).set({ stock: 1 }).where(eq(products.sku, "SCARCE-004"));
    await expect(run("update_inventory", { validate_inventory })).rejects.toMatchObject({
      name: "PermanentError",
      code: "insufficient_stock",
    });
    expect((await db.select().from(products).where(eq(products.sku, "SCARCE-004")))[0]!.stock).toBe(1);
    expect((await db.select().from(payments).where(eq(payments.order_id, order!.id)))[0]!.status).toBe(
      "refunded",
    );
    expect(await db.select().from(stock_movements).where(eq(stock_movements.order_id, order!.id))).toEqual(
      [],
    );
  });
});
