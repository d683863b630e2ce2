// The internal downstream services the microservices workflow calls over HTTP: user profiles
// (customers table) and order history (orders table). They are a separate Hono app so they can
// be mounted in this process (at /internal) or run on their own host (SERVICES_BASE_URL).
import { desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppDb } from "../db/client.js";
import { customers, orders } from "../db/schema.js";
import type { OrderHistory, UserProfile } from "./contracts.js";
import { claimFirstCallFault } from "./fault-injection.js";

/** Where the app mounts the services on its own server. */
export const INTERNAL_SERVICES_PATH = "/internal";
/** Header the caller uses to identify the business request a call belongs to. */
export const REQUEST_ID_HEADER = "x-request-id";

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createInternalServices(db: AppDb): Hono {
  const app = new Hono();

  app.get("/health", (c) => c.json({ status: "ok" }));

  app.get("/users/:userId", async (c) => {
    const userId = c.req.param("userId");
    if (!USER_ID.test(userId)) return c.json({ error: badUserId(userId) }, 400);
    if (await claimFirstCallFault(db, userId, c.req.header(REQUEST_ID_HEADER))) {
      return c.json({ error: "user profile service is temporarily unavailable; retry the request" }, 503);
    }
    const [customer] = await db.select().from(customers).where(eq(customers.id, userId)).limit(1);
    if (!customer) return c.json({ error: `no customer with id ${userId}` }, 404);
    const profile: UserProfile = {
      user_id: customer.id,
      name: customer.name,
      email: customer.email,
      tier: customer.tier,
      member_since: customer.created_at.toISOString(),
    };
    return c.json(profile);
  });

  app.get("/users/:userId/orders", async (c) => {
    const userId = c.req.param("userId");
    if (!USER_ID.test(userId)) return c.json({ error: badUserId(userId) }, 400);
    const [customer] = await db
      .select({ email: customers.email })
      .from(customers)
      .where(eq(customers.id, userId))
      .limit(1);
    if (!customer) return c.json({ error: `no customer with id ${userId}` }, 404);
    const rows = await db
      .select()
      .from(orders)
      .where(eq(orders.customer_email, customer.email))
      .orderBy(desc(orders.created_at), desc(orders.id));
    const history: OrderHistory = {
      user_id: userId,
      orders: rows.map((o) => ({
        id: o.id,
        // Orders whose price could not be computed (unknown sku) never charged anything.
        total: o.total ?? 0,
        status: o.status,
        item_count: o.items.reduce((sum, i) => sum + i.quantity, 0),
        created_at: o.created_at.toISOString(),
      })),
    };
    return c.json(history);
  });

  return app;
}

function badUserId(userId: string): string {
  return `user id ${JSON.stringify(userId)} is malformed: use 1-64 letters, digits, '-' or '_' (e.g. cust-001)`;
}
