// Steps are delivered at least once: running a team-scaling step twice (a retry after its write
// committed, or a duplicate delivery) must not write a second quote or audit row, nor change
// what the first run recorded. Handlers run directly against a real PGlite app database.
import { randomUUID } from "node:crypto";
import { createLogger, type StepContext } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, openAppDatabase } from "../src/db/client.js";
import { audit_logs, compliance_checks, quotes } from "../src/db/schema.js";
import type { AppDeps } from "../src/lib/deps.js";
import { auditLogHandler } from "../src/workflows/team-scaling/compliance/steps/audit-log.js";
import { complianceReportHandler } from "../src/workflows/team-scaling/compliance/steps/compliance-report.js";
import { generateQuoteHandler } from "../src/workflows/team-scaling/sales/steps/generate-quote.js";
import { taskContextFor } from "../src/workflows/team-scaling/schemas.js";

let database: AppDatabase;
beforeAll(async () => {
  database = await openAppDatabase({ url: "memory://" });
}, 120_000);
afterAll(async () => {
  await database?.close();
});

async function newCheck() {
  const [row] = await database.db
    .insert(compliance_checks)
    .values({
      order_ref: "ORD-IDEM",
      items: [{ sku: "WIDGET-001", quantity: 2 }],
      destination: { country: "US" },
    })
    .returning();
  return row!;
}

/** These steps use only the app database. */
function stepDeps(): AppDeps {
  return { db: database.db } as AppDeps;
}

function ctx(overrides: Partial<StepContext>): StepContext {
  return {
    taskUuid: randomUUID(),
    stepUuid: randomUUID(),
    stepName: "step",
    taskName: "task",
    namespace: "sales",
    version: "1.0.0",
    correlationId: randomUUID(),
    input: {},
    dependencyResults: {},
    attempt: 1,
    maxAttempts: 3,
    initialization: {},
    signal: new AbortController().signal,
    logger: createLogger({ level: "silent" }),
    ...overrides,
  };
}

describe("team-scaling steps run twice", () => {
  it("generate_quote keeps one quote per sales task, with the first run's number and expiry", async () => {
    const check = await newCheck();
    const lines = [
      {
        sku: "WIDGET-001",
        name: "Widget",
        quantity: 2,
        unit_price: 29.99,
        line_total: 59.98,
        weight_kg: 0.5,
        in_stock: true,
      },
    ];
    const step = ctx({
      stepName: "generate_quote",
      initialization: { validity_days: 14 },
      dependencyResults: {
        receive_order: {
          check_id: check.id,
          order_ref: check.order_ref,
          lines: [{ sku: "WIDGET-001", quantity: 2 }],
          total_units: 2,
          destination: { country: "US" },
          coupon_code: null,
          customer_id: null,
        },
        validate_items: { lines, subtotal: 59.98, total_units: 2, all_in_stock: true },
        calculate_shipping: { zone: "domestic", total_weight_kg: 1, shipping_cost: 7.49 },
        apply_discounts: {
          subtotal: 59.98,
          discounts: [],
          discount_percent: 0,
          discount_total: 0,
          discounted_subtotal: 59.98,
        },
      },
    });
    const handler = generateQuoteHandler(stepDeps());
    const first = await handler.handle(step);
    await new Promise((r) => setTimeout(r, 20));
    const second = await handler.handle({ ...step, attempt: 2 });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ quote_number: `QT-${String(check.id).padStart(6, "0")}`, total: 67.47 });
    const rows = await database.db.select().from(quotes).where(eq(quotes.task_uuid, step.taskUuid));
    expect(rows).toHaveLength(1);
    const [stored] = await database.db
      .select()
      .from(compliance_checks)
      .where(eq(compliance_checks.id, check.id));
    expect(stored!.result).toEqual({ quote: first });
  });

  it("audit_log writes one row per check and compliance_report the same report each time", async () => {
    const check = await newCheck();
    const input = taskContextFor(check.id, {
      order_ref: check.order_ref,
      items: check.items,
      destination: { country: "US" },
    });
    const verdict = {
      approved: true,
      destination_country: "US",
      screened_skus: ["WIDGET-001"],
      violations: [],
    };
    const tax = {
      jurisdiction: "US",
      rule: "country",
      tax_type: "sales_tax",
      rate_percent: 5,
      taxable_value: 59.98,
      tax_amount: 3,
    };
    const auditStep = ctx({
      namespace: "compliance",
      stepName: "audit_log",
      input,
      dependencyResults: { check_compliance: verdict, verify_tax_rules: tax },
    });
    const audit = auditLogHandler(stepDeps());
    const firstAudit = await audit.handle(auditStep);
    expect(await audit.handle({ ...auditStep, attempt: 2 })).toEqual(firstAudit);
    const rows = await database.db
      .select()
      .from(audit_logs)
      .where(eq(audit_logs.dedupe_key, `compliance_check:${check.id}:review`));
    expect(rows).toHaveLength(1);

    const reportStep = ctx({
      namespace: "compliance",
      stepName: "compliance_report",
      input,
      dependencyResults: { check_compliance: verdict, verify_tax_rules: tax, audit_log: firstAudit },
    });
    const report = complianceReportHandler(stepDeps());
    const firstReport = await report.handle(reportStep);
    await new Promise((r) => setTimeout(r, 20));
    expect(await report.handle({ ...reportStep, attempt: 2 })).toEqual(firstReport);
    const [stored] = await database.db
      .select()
      .from(compliance_checks)
      .where(eq(compliance_checks.id, check.id));
    expect(stored!.result).toEqual({ compliance: firstReport });
  });
});
