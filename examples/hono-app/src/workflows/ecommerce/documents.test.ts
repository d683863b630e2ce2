import { describe, expect, it } from "vitest";
import { confirmationEmail, invoiceNumber } from "./documents.js";
import { type CatalogEntry, priceOrder } from "./pricing.js";

describe("invoiceNumber", () => {
  it("pads the order id to six digits", () => {
    expect(invoiceNumber(42)).toBe("INV-000042");
    expect(invoiceNumber(1234567)).toBe("INV-1234567");
  });
});

describe("confirmationEmail", () => {
  it("lists the lines and the amounts charged", () => {
    const catalog = new Map<string, CatalogEntry>([
      ["GIZMO-003", { sku: "GIZMO-003", name: "Gizmo", price: 129, stock: 1, weight_kg: 2 }],
    ]);
    const email = confirmationEmail(
      { id: 7, customer_email: "ada@example.com" },
      priceOrder([{ sku: "GIZMO-003", quantity: 1 }], catalog),
      "pay_abc",
    );
    expect(email.subject).toBe("Order #7 confirmed");
    expect(email.body).toContain("1 x Gizmo (GIZMO-003) @ 129.00 = 129.00");
    expect(email.body).toContain("Shipping: free");
    expect(email.body).toContain("Total charged: 140.29 USD (payment pay_abc)");
  });
});
