// The app's shared behaviour through HTTP: health, catalog, JSON errors, and what happens when
// the engine refuses a task (row failed + 502/503, never a silent 201); on PGlite and PostgreSQL.
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orders } from "../src/db/schema.js";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";

const ORDER = {
  customer_email: "linus@example.com",
  items: [{ sku: "WIDGET-001", quantity: 1 }],
  payment_info: { method: "card", token: "tok_visa" },
};

describe.each(testBackends())("the app on %s", (backend) => {
  // No worker and room for one unfinished task: the second order meets backpressure.
  describe("health, catalog and errors", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend, { worker: false, taskerOptions: { maxPendingTasks: 1 } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("reports health of the app database and the engine", async () => {
      const res = await t.request("GET", "/health");
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: "ok",
        app_database: true,
        engine: { database: true, queue: true },
        jobs: "memory",
      });
      expect(res.body.workflows.map((w: { name: string }) => w.name)).toEqual(
        expect.arrayContaining(["ecommerce", "data-pipeline"]),
      );
    });

    it("lists the seeded catalog", async () => {
      const res = await t.request("GET", "/products");
      expect(res.status).toBe(200);
      expect(res.body.products.map((p: { sku: string }) => p.sku)).toEqual([
        "GADGET-002",
        "GIZMO-003",
        "RESTRICTED-005",
        "SCARCE-004",
        "WIDGET-001",
      ]);
      expect(res.body.products.find((p: { sku: string }) => p.sku === "WIDGET-001")).toMatchObject({
        name: "Widget",
        price: 29.99,
        weight_kg: 0.5,
        restricted: false,
      });
    });

    it("answers unknown routes with JSON 404", async () => {
      const res = await t.request("DELETE", "/products");
      expect(res.status).toBe(404);
      expect(res.body.error).toContain("no route for DELETE /products");
    });

    it("serves the same app on a real listening port", async () => {
      const res = await fetch(`${t.url}/products`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
    });

    it("answers 503 with Retry-After when the engine is at capacity, and marks the refused order failed", async () => {
      const first = await t.request("POST", "/orders", ORDER);
      expect(first.status).toBe(201);
      const second = await t.request("POST", "/orders", ORDER);
      expect(second.status).toBe(503);
      expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(second.body.error).toContain("unavailable");
      const [row] = await t.deps.db.select().from(orders).where(eq(orders.id, second.body.id));
      expect(row?.status).toBe("failed");
    });

    it("answers JSON 500 (not HTML) when something breaks, and health says degraded", async () => {
      await t.appDatabase.close();
      const res = await t.request("GET", "/products");
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: "internal error; the server log has the details" });
      const health = await t.request("GET", "/health");
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: "degraded", app_database: false });
    });
  });

  describe("when the engine has no such template", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend, { worker: false, taskerOptions: { templatePaths: [] } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("marks the order failed and answers 502 with the engine's reason", async () => {
      const res = await t.request("POST", "/orders", ORDER);
      expect(res.status).toBe(502);
      expect(res.body.error).toContain("the workflow engine rejected the task");
      expect(res.body.status).toBe("failed");
      const [row] = await t.deps.db.select().from(orders).where(eq(orders.id, res.body.id));
      expect(row).toMatchObject({ status: "failed", task_uuid: null });
      expect(row!.error).toContain("order_processing");
      const shown = await t.request("GET", `/orders/${res.body.id}`);
      expect(shown.body).toMatchObject({ status: "failed", task: null });
    });

    it("fails a queued order the same way once its background job runs", async () => {
      const res = await t.request("POST", "/orders/async", ORDER);
      expect(res.status).toBe(202);
      const row = await waitForRowStatus(t, `/orders/${res.body.id}`, ["failed"]);
      expect(row.error).toContain("rejected the task");
    });
  });
});
