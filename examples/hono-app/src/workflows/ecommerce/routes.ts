// POST /orders, POST /orders/async, GET /orders/:id (mounted at /orders)
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { type CatalogLookup, catalogLookup } from "../../db/catalog.js";
import type { AppDb } from "../../db/client.js";
import { orders } from "../../db/schema.js";
import { recordTaskStarted } from "../../engine/task-rows.js";
import type { AppDeps } from "../../lib/deps.js";
import { respondWithRowAndTask, taskForRow, taskRefused } from "../../lib/task-backed-rows.js";
import { queueTaskBackedRow } from "../../lib/task-intake.js";
import { validate } from "../../lib/validation.js";
import { priceOrder } from "./pricing.js";
import { type CreateOrderBody, CreateOrderBodySchema } from "./schemas.js";
import { orderTaskRequest } from "./task-request.js";

export function orderRoutes(deps: AppDeps) {
  const lookUpCatalog = catalogLookup(deps.db);
  const insertOrder = orderInsert(deps.db, lookUpCatalog);
  return new Hono()
    .post("/", validate("json", CreateOrderBodySchema), async (c) => {
      const body = c.req.valid("json");
      const order = await insertOrder(body, "pending");
      let taskUuid: string;
      try {
        const request = taskForRow(deps, orders, order, orderTaskRequest(order, body.payment_info));
        taskUuid = (await deps.tasker.client.createTask(request)).task.task_uuid;
      } catch (error) {
        return taskRefused(c, deps, orders, order, error);
      }
      return c.json(await recordTaskStarted(deps.db, orders, order.id, taskUuid), 201);
    })
    .post("/async", validate("json", CreateOrderBodySchema), async (c) => {
      const body = c.req.valid("json");
      return queueTaskBackedRow(c, deps, {
        table: orders,
        insertRow: () => insertOrder(body, "queued"),
        extra: body.payment_info,
      });
    })
    .get("/:id", (c) =>
      respondWithRowAndTask(c, deps, { table: orders, rawId: c.req.param("id"), what: "order" }),
    );
}

/**
 * Inserts an order priced from the catalog (left unpriced when a sku is unknown: the task's
 * validate_inventory step then fails it, naming the sku). The INSERT is prepared once, where the
 * routes are made (see db/catalog.ts).
 */
function orderInsert(db: AppDb, lookUpCatalog: CatalogLookup) {
  // The prices inside sql``: as a column's value, Drizzle's numeric encoder would send a null
  // placeholder (an unpriced order) as the string "null".
  const price = (name: string) => sql`${sql.placeholder(name)}`;
  const insert = db
    .insert(orders)
    .values({
      customer_email: sql.placeholder("customer_email"),
      items: sql.placeholder("items"),
      subtotal: price("subtotal"),
      tax: price("tax"),
      shipping: price("shipping"),
      total: price("total"),
      status: sql.placeholder("status"),
    })
    .returning()
    .prepare("insert_order");
  return async (body: CreateOrderBody, status: "pending" | "queued") => {
    const catalog = await lookUpCatalog(body.items.map((i) => i.sku));
    const priced = body.items.every((i) => catalog.has(i.sku)) ? priceOrder(body.items, catalog) : undefined;
    const [row] = await insert.execute({
      customer_email: body.customer_email,
      items: body.items,
      subtotal: priced?.subtotal ?? null,
      tax: priced?.tax ?? null,
      shipping: priced?.shipping ?? null,
      total: priced?.total ?? null,
      status,
    });
    if (!row) throw new Error("inserting the order returned no row");
    return row;
  };
}
