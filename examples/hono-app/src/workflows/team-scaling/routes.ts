// POST /compliance/checks (one row, two tasks), GET /compliance/checks/:id (row + both tasks),
// mounted at /compliance/checks.
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { compliance_checks } from "../../db/schema.js";
import type { AppDeps } from "../../lib/deps.js";
import { jsonError } from "../../lib/http-errors.js";
import { parseRowId } from "../../lib/row-id.js";
import { engineFailureResponse, taskSummaryFor } from "../../lib/task-backed-rows.js";
import type { TaskSummary } from "../../lib/task-summary.js";
import { validate } from "../../lib/validation.js";
import {
  CHECK_TEMPLATES,
  checkTaskRequest,
  recordCheckRefused,
  recordCheckTasksStarted,
} from "./check-tasks.js";
import { CreateComplianceCheckSchema } from "./schemas.js";

export function complianceCheckRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.post("/", validate("json", CreateComplianceCheckSchema), async (c) => {
    const body = c.req.valid("json");
    const [row] = await deps.db
      .insert(compliance_checks)
      .values({
        order_ref: body.order_ref,
        namespace: body.namespace ?? "default",
        status: "pending",
        items: body.items,
        destination: body.destination,
        coupon_code: body.coupon_code ?? null,
        customer_id: body.customer_id ?? null,
      })
      .returning();
    if (!row) throw new Error("inserting the compliance check returned no row");
    // Both teams' tasks at once; a refused one cancels the other (half a check is no check).
    const attempts = await Promise.allSettled(
      CHECK_TEMPLATES.map((template) => deps.tasker.client.createTask(checkTaskRequest(row, template))),
    );
    const created = Object.fromEntries(
      attempts.flatMap((a) =>
        a.status === "fulfilled" ? [[a.value.task.namespace, a.value.task.task_uuid]] : [],
      ),
    );
    const refused = attempts.find((a): a is PromiseRejectedResult => a.status === "rejected");
    if (refused) {
      const result = await recordCheckRefused(deps, row, created, refused.reason);
      return engineFailureResponse(c, result.failure, result.row);
    }
    return c.json(await recordCheckTasksStarted(deps.db, row.id, created), 201);
  });

  app.get("/:id", async (c) => {
    const rawId = c.req.param("id");
    const id = parseRowId(rawId);
    if (id === undefined) {
      return c.json(
        {
          error: `malformed compliance check id ${JSON.stringify(rawId)}: use the positive integer id returned when it was created`,
          issues: [{ path: "id", message: "must be a positive integer" }],
        },
        400,
      );
    }
    const [row] = await deps.db.select().from(compliance_checks).where(eq(compliance_checks.id, id));
    if (!row) return jsonError(c, 404, `compliance check ${id} not found`);
    const tasks: Record<string, TaskSummary | null> = {};
    for (const [namespace, uuid] of Object.entries(row.task_uuids)) {
      tasks[namespace] = (await taskSummaryFor(deps, uuid)).task;
    }
    const primary = await taskSummaryFor(deps, row.task_uuid);
    return c.json({
      ...row,
      ...primary,
      // Both teams' tasks by namespace: {sales: {task}, compliance: {task}}.
      tasks,
    });
  });

  return app;
}
