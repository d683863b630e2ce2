// POST /refunds, GET /refunds/:id (mounted at /refunds)
import { Hono } from "hono";
import { refunds } from "../../db/schema.js";
import { recordTaskStarted } from "../../engine/task-rows.js";
import type { AppDeps } from "../../lib/deps.js";
import { respondWithRowAndTask, taskForRow, taskRefused } from "../../lib/task-backed-rows.js";
import { validate } from "../../lib/validation.js";
import { CreateRefundSchema, type RefundContext } from "./schemas.js";

export const REFUND_APPROVAL_TEMPLATE = {
  namespace: "approvals",
  name: "refund_approval",
  version: "1.0.0",
} as const;

export function refundRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/", validate("json", CreateRefundSchema), async (c) => {
    const body = c.req.valid("json");
    const [refund] = await deps.db
      .insert(refunds)
      .values({ order_ref: body.order_ref, amount: body.amount, reason: body.reason, status: "pending" })
      .returning();
    if (!refund) throw new Error("inserting the refund returned no row");
    const context: RefundContext = {
      refund_id: refund.id,
      order_ref: refund.order_ref,
      amount: refund.amount,
    };
    let taskUuid: string;
    try {
      const task = taskForRow(deps, refunds, refund, {
        ...REFUND_APPROVAL_TEMPLATE,
        context,
        initiator: "hono-app",
        source_system: "hono-app",
        reason: `refund ${refund.id}: ${refund.amount.toFixed(2)} for ${refund.order_ref}`,
        tags: ["approvals", "refund"],
      });
      taskUuid = (await deps.tasker.client.createTask(task)).task.task_uuid;
    } catch (error) {
      return taskRefused(c, deps, refunds, refund, error);
    }
    return c.json(await recordTaskStarted(deps.db, refunds, refund.id, taskUuid), 201);
  });

  app.get("/:id", (c) =>
    respondWithRowAndTask(c, deps, { table: refunds, rawId: c.req.param("id"), what: "refund" }),
  );

  return app;
}
