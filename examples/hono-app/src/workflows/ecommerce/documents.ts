// The documents an order produces: its invoice number and its confirmation email.
import type { PricedOrder } from "./pricing.js";

/** INV-000042 for order 42 (one invoice per order, so the number is the order's). */
export function invoiceNumber(orderId: number): string {
  return `INV-${String(orderId).padStart(6, "0")}`;
}

const money = (n: number) => n.toFixed(2);

export function confirmationEmail(
  order: { id: number; customer_email: string },
  priced: PricedOrder,
  paymentId: string,
) {
  const lines = priced.lines.map(
    (l) => `  ${l.quantity} x ${l.name} (${l.sku}) @ ${money(l.unit_price)} = ${money(l.line_total)}`,
  );
  return {
    subject: `Order #${order.id} confirmed`,
    body: [
      `Thank you for your order #${order.id}.`,
      "",
      ...lines,
      "",
      `Subtotal: ${money(priced.subtotal)} ${priced.currency}`,
      `Tax (8.75%): ${money(priced.tax)}`,
      `Shipping: ${priced.shipping === 0 ? "free" : money(priced.shipping)}`,
      `Total charged: ${money(priced.total)} ${priced.currency} (payment ${paymentId})`,
    ].join("\n"),
  };
}
