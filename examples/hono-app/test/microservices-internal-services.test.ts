import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, openAppDatabase } from "../src/db/client.js";
import { audit_logs } from "../src/db/schema.js";
import { OrderHistorySchema, UserProfileSchema } from "../src/services/contracts.js";
import { createInternalServices } from "../src/services/internal-services.js";

// Real PGlite with the app's migrations and seed, real HTTP.
let database: AppDatabase;
let server: ReturnType<typeof serve>;
let base: string;
beforeAll(async () => {
  database = await openAppDatabase({ url: "memory://" });
  const app = createInternalServices(database.db);
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await database.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

describe("user profile service", () => {
  it("serves a seeded customer's profile in the contract's shape", async () => {
    const res = await get("/users/cust-001");
    expect(res.status).toBe(200);
    const profile = UserProfileSchema.parse(await res.json());
    expect(profile).toMatchObject({ user_id: "cust-001", email: "ada@example.com", tier: "gold" });
  });

  it("answers 404 for an unknown customer and 400 for a malformed id", async () => {
    const missing = await get("/users/cust-999");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no customer with id cust-999" });
    const bad = await get("/users/a%20b");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/malformed/);
  });

  it("fails the flaky customer's first call per request only, and records the fault", async () => {
    const first = await get("/users/cust-004-flaky", { "x-request-id": "req-1" });
    expect(first.status).toBe(503);
    const second = await get("/users/cust-004-flaky", { "x-request-id": "req-1" });
    expect(second.status).toBe(200);
    const otherRequest = await get("/users/cust-004-flaky", { "x-request-id": "req-2" });
    expect(otherRequest.status).toBe(503);
    const faults = await database.db
      .select()
      .from(audit_logs)
      .where(eq(audit_logs.action, "simulated_outage"));
    expect(faults.map((f) => f.details.request_id).sort()).toEqual(["req-1", "req-2"]);
  });

  it("serves the flaky customer normally when the caller sends no request id", async () => {
    expect((await get("/users/cust-004-flaky")).status).toBe(200);
  });

  it("never fails ordinary customers", async () => {
    expect((await get("/users/cust-002", { "x-request-id": "req-3" })).status).toBe(200);
  });
});

describe("order history service", () => {
  it("lists a customer's orders newest first with totals and item counts", async () => {
    const res = await get("/users/cust-001/orders");
    expect(res.status).toBe(200);
    const history = OrderHistorySchema.parse(await res.json());
    expect(history.user_id).toBe("cust-001");
    expect(history.orders.map((o) => o.total)).toEqual([140.29, 75.22]);
    expect(history.orders[1]).toMatchObject({ status: "completed", item_count: 2 });
  });

  it("answers an empty list for a customer without orders, 404 for an unknown one", async () => {
    const none = OrderHistorySchema.parse(await (await get("/users/cust-003/orders")).json());
    expect(none.orders).toEqual([]);
    expect((await get("/users/nobody/orders")).status).toBe(404);
  });
});
