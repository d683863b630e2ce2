// Step 5: the invoice, one per order (unique order_id), numbered from the order id.
import { defineHandler } from "@tasker-ts/tasker";
import { eq, sql } from "drizzle-orm";
import { invoices } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { invoiceNumber } from "../documents.js";
import { OrderTaskContextSchema, PricedOrderSchema } from "../schemas.js";

/** What the step's result reports of an invoice. */
const INVOICE_COLUMNS = {
  id: invoices.id,
  invoice_number: invoices.invoice_number,
  order_id: invoices.order_id,
  total: invoices.total,
  issued_at: invoices.issued_at,
};

export function generateInvoiceHandler(deps: AppDeps) {
  // Prepared once, like every statement an order runs (see db/catalog.ts).
  const insertInvoice = deps.db
    .insert(invoices)
    .values({
      invoice_number: sql.placeholder("invoice_number"),
      order_id: sql.placeholder("order_id"),
      customer_email: sql.placeholder("customer_email"),
      lines: sql.placeholder("lines"),
      subtotal: sql.placeholder("subtotal"),
      tax: sql.placeholder("tax"),
      shipping: sql.placeholder("shipping"),
      total: sql.placeholder("total"),
    })
    // Both unique keys (order_id, and invoice_number derived from it) name the same invoice:
    // a duplicate delivery racing this one may trip either, so any conflict means "exists".
    .onConflictDoNothing()
    .returning(INVOICE_COLUMNS)
    .prepare("insert_invoice");
  return defineHandler(
    "ecommerce.generate_invoice",
    { inputs: OrderTaskContextSchema, depends: { validate_inventory: PricedOrderSchema } },
    async ({ input, dependencyResults }) => {
      const priced = dependencyResults.validate_inventory;
      const [inserted] = await insertInvoice.execute({
        invoice_number: invoiceNumber(input.order_id),
        order_id: input.order_id,
        customer_email: input.customer_email,
        lines: priced.lines.map(({ sku, name, quantity, unit_price, line_total }) => ({
          sku,
          name,
          quantity,
          unit_price,
          line_total,
        })),
        subtotal: priced.subtotal,
        tax: priced.tax,
        shipping: priced.shipping,
        total: priced.total,
      });
      const invoice =
        inserted ??
        (
          await deps.db.select(INVOICE_COLUMNS).from(invoices).where(eq(invoices.order_id, input.order_id))
        )[0];
      if (!invoice) throw new Error(`invoice for order ${input.order_id} not found after insert`);
      return {
        invoice_id: invoice.id,
        invoice_number: invoice.invoice_number,
        order_id: invoice.order_id,
        total: invoice.total,
        currency: "USD",
        issued_at: invoice.issued_at.toISOString(),
      };
    },
  );
}
