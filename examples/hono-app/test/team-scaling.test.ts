// Workflow 4 end to end through HTTP: POST /compliance/checks creates one row and two tasks
// (sales/quote_generation + compliance/compliance_review) sharing a correlation id; the row is
// completed when both complete, failed when either fails. On PGlite and on PostgreSQL.
import type { TaskResponse } from "@tasker-ts/tasker/client";
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audit_logs, compliance_checks, quotes } from "../src/db/schema.js";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

const SALES_STEPS = [
  "receive_order",
  "validate_items",
  "calculate_shipping",
  "apply_discounts",
  "generate_quote",
];
const COMPLIANCE_STEPS = ["check_compliance", "verify_tax_rules", "audit_log", "compliance_report"];

const check = (overrides: Record<string, unknown> = {}) => ({
  order_ref: "ORD-TS-1",
  items: [
    { sku: "WIDGET-001", quantity: 10 },
    { sku: "GADGET-002", quantity: 1 },
  ],
  destination: { country: "US", region: "CA" },
  coupon_code: "SAVE10",
  customer_id: "cust-001",
  ...overrides,
});

describe.each(testBackends())("team scaling compliance checks on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["sales", "compliance"] });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const create = (body: unknown) => t.request("POST", "/compliance/checks", body);
  const waitBoth = async (body: {
    task_uuids: Record<string, string>;
  }): Promise<Record<string, TaskResponse>> => ({
    sales: await waitForTaskCompletion(t.orchestrationUrl, body.task_uuids.sales!),
    compliance: await waitForTaskCompletion(t.orchestrationUrl, body.task_uuids.compliance!),
  });

  it("quotes and reviews an order in two namespaces and completes the check", async () => {
    const created = await create(check());
    expect(created.status).toBe(201);
    // "completed" when both tasks finished before the answer: the endpoint refreshes the check's
    // status after storing their uuids (their events may have found no row to update).
    expect(created.body).toMatchObject({
      order_ref: "ORD-TS-1",
      namespace: "default",
      status: expect.stringMatching(/^(processing|completed)$/),
    });
    const { id, task_uuids, task_uuid, correlation_id } = created.body;
    expect(Object.keys(task_uuids).sort()).toEqual(["compliance", "sales"]);
    expect(task_uuid).toBe(task_uuids.compliance);

    const tasks = await waitBoth(created.body);
    for (const [namespace, task] of Object.entries(tasks)) {
      expect(task).toMatchObject({
        status: "complete",
        completion_percentage: 100,
        namespace,
        correlation_id,
      });
    }
    expect(tasks.sales!.name).toBe("quote_generation");
    expect(tasks.compliance!.name).toBe("compliance_review");
    const salesSteps = await getTaskSteps(t.orchestrationUrl, tasks.sales!.task_uuid);
    expect(salesSteps.map((s) => s.name).sort()).toEqual([...SALES_STEPS].sort());
    expect(salesSteps.every((s) => s.current_state === "complete")).toBe(true);
    const complianceSteps = await getTaskSteps(t.orchestrationUrl, tasks.compliance!.task_uuid);
    expect(complianceSteps.map((s) => s.name).sort()).toEqual([...COMPLIANCE_STEPS].sort());
    expect(complianceSteps.every((s) => s.current_state === "complete")).toBe(true);

    // Team A: 10 x 29.99 + 49.99 = 349.89; 6.2 kg domestic = 5.99 + 9.30;
    // volume 5% + SAVE10 10% + gold 5% = 20% -> 69.98 off; quote 279.91 + 15.29 = 295.20.
    const sales = (step: string) => getStep(t.orchestrationUrl, tasks.sales!.task_uuid, step);
    expect((await sales("receive_order")).results).toMatchObject({ total_units: 11, check_id: id });
    expect((await sales("validate_items")).results).toMatchObject({ subtotal: 349.89, all_in_stock: true });
    expect((await sales("calculate_shipping")).results).toMatchObject({
      zone: "domestic",
      total_weight_kg: 6.2,
      shipping_cost: 15.29,
    });
    const discounts = (await sales("apply_discounts")).results as Record<string, unknown>;
    expect(discounts).toMatchObject({
      discount_percent: 20,
      discount_total: 69.98,
      discounted_subtotal: 279.91,
    });
    expect((discounts.discounts as { code: string }[]).map((d) => d.code)).toEqual([
      "VOLUME_10",
      "SAVE10",
      "TIER_GOLD",
    ]);
    const quoteNumber = `QT-${String(id).padStart(6, "0")}`;
    const quoteStep = (await sales("generate_quote")).results as Record<string, unknown>;
    expect(quoteStep).toMatchObject({ quote_number: quoteNumber, total: 295.2, currency: "USD" });
    const validDays = (Date.parse(quoteStep.expires_at as string) - Date.now()) / 86_400_000;
    expect(validDays).toBeGreaterThan(29.9);
    expect(validDays).toBeLessThanOrEqual(30);

    // Team B: approved; US-CA 7.25% on 349.89 = 25.37; one audit row; report on the check.
    const compliance = (step: string) => getStep(t.orchestrationUrl, tasks.compliance!.task_uuid, step);
    expect((await compliance("check_compliance")).results).toMatchObject({ approved: true, violations: [] });
    expect((await compliance("verify_tax_rules")).results).toMatchObject({
      jurisdiction: "US-CA",
      rate_percent: 7.25,
      tax_amount: 25.37,
    });
    const audit = (await compliance("audit_log")).results as { audit_log_id: number };
    expect((await compliance("compliance_report")).results).toMatchObject({
      decision: "approved",
      audit_log_id: audit.audit_log_id,
    });

    const db = t.deps.db;
    const quoteRows = await db.select().from(quotes).where(eq(quotes.compliance_check_id, id));
    expect(quoteRows).toHaveLength(1);
    expect(quoteRows[0]).toMatchObject({
      quote_number: quoteNumber,
      subtotal: 349.89,
      discount: 69.98,
      total: 295.2,
    });
    const auditRows = await db
      .select()
      .from(audit_logs)
      .where(eq(audit_logs.dedupe_key, `compliance_check:${id}:review`));
    expect(auditRows).toHaveLength(1);
    expect(auditRows[0]).toMatchObject({ entity_type: "compliance_check", entity_id: String(id), task_uuid });

    const row = await waitForRowStatus(t, `/compliance/checks/${id}`, ["completed"]);
    expect(row.error).toBeNull();
    expect(row.result.quote).toMatchObject({ quote_number: quoteNumber, total: 295.2 });
    expect(row.result.compliance).toMatchObject({ decision: "approved", tax: { tax_amount: 25.37 } });
    expect(row.task).toMatchObject({ task_uuid, status: "complete", completed_steps: 4 });
    expect(row.tasks.sales).toMatchObject({ status: "complete", completed_steps: 5, total_steps: 5 });
    expect(row.tasks.compliance).toMatchObject({ status: "complete", completed_steps: 4, total_steps: 4 });
  });

  it("fails the compliance task and the check for an embargoed destination, with the reason", async () => {
    const created = await create(
      check({ order_ref: "ORD-TS-KP", destination: { country: "KP" }, namespace: "asia_desk" }),
    );
    expect(created.status).toBe(201);
    expect(created.body.namespace).toBe("asia_desk");
    const tasks = await waitBoth(created.body);
    expect(tasks.compliance!.status).toBe("error");
    // Team A is not Team B: pricing the order still works.
    expect(tasks.sales!.status).toBe("complete");

    const screening = await getStep(t.orchestrationUrl, tasks.compliance!.task_uuid, "check_compliance");
    expect(screening.current_state).toBe("error");
    expect(screening.attempts).toBe(1);
    expect(screening.error).toMatchObject({ code: "compliance_violation", retryable: false });
    expect(screening.error!.message).toMatch(/destination KP is under embargo/);
    const later = await getStep(t.orchestrationUrl, tasks.compliance!.task_uuid, "verify_tax_rules");
    expect(later.attempts).toBe(0);

    const row = await waitForRowStatus(t, `/compliance/checks/${created.body.id}`, ["failed"]);
    expect(row.error).toMatch(/^compliance task failed: .*KP is under embargo/);
    expect(row.result?.compliance).toBeUndefined();
    const auditRows = await t.deps.db
      .select()
      .from(audit_logs)
      .where(eq(audit_logs.dedupe_key, `compliance_check:${created.body.id}:review`));
    expect(auditRows).toHaveLength(0);
  });

  it("fails the check for an export-controlled sku", async () => {
    const created = await create(
      check({ order_ref: "ORD-TS-R", items: [{ sku: "RESTRICTED-005", quantity: 1 }] }),
    );
    const tasks = await waitBoth(created.body);
    expect(tasks.compliance!.status).toBe("error");
    const row = await waitForRowStatus(t, `/compliance/checks/${created.body.id}`, ["failed"]);
    expect(row.error).toMatch(/RESTRICTED-005 is export-controlled/);
  });

  it("fails the check when Team A cannot quote (unknown coupon), though compliance approved", async () => {
    const created = await create(check({ order_ref: "ORD-TS-C", coupon_code: "BOGUS" }));
    const tasks = await waitBoth(created.body);
    expect(tasks.compliance!.status).toBe("complete");
    expect(tasks.sales!.status).toBe("error");
    const step = await getStep(t.orchestrationUrl, tasks.sales!.task_uuid, "apply_discounts");
    expect(step.error).toMatchObject({ code: "invalid_coupon" });
    const row = await waitForRowStatus(t, `/compliance/checks/${created.body.id}`, ["failed"]);
    expect(row.error).toMatch(/^sales task failed: .*coupon BOGUS is unknown/);
    const quoteRows = await t.deps.db
      .select()
      .from(quotes)
      .where(eq(quotes.compliance_check_id, created.body.id));
    expect(quoteRows).toHaveLength(0);
  });

  it.each([
    [{ ...check(), items: [] }, "items"],
    [{ ...check(), items: [{ sku: "WIDGET-001", quantity: 0 }] }, "items.0.quantity"],
    [{ ...check(), destination: { country: "Germany" } }, "destination.country"],
    [{ ...check(), order_ref: undefined }, "order_ref"],
    [{ ...check(), namespace: "has spaces" }, "namespace"],
  ])("answers 400 naming the field for bad body #%#", async (body, path) => {
    const before = await t.deps.db.select().from(compliance_checks);
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid request body");
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await t.deps.db.select().from(compliance_checks)).toHaveLength(before.length);
  });

  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    const malformed = await t.request("GET", "/compliance/checks/0");
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([{ path: "id", message: "must be a positive integer" }]);
    const unknown = await t.request("GET", "/compliance/checks/424242");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: "compliance check 424242 not found" });
  });
});
