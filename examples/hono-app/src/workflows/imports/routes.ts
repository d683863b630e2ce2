// POST /imports, GET /imports/:id (mounted at /imports)
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Hono } from "hono";
import { sales_imports } from "../../db/schema.js";
import { recordTaskStarted } from "../../engine/task-rows.js";
import type { AppDeps } from "../../lib/deps.js";
import { respondWithRowAndTask, taskForRow, taskRefused } from "../../lib/task-backed-rows.js";
import { validate } from "../../lib/validation.js";
import { datasetUrlRejection } from "../data-pipeline/dataset-source.js";
import { CreateImportSchema, type ImportContext } from "./schemas.js";

export const SALES_IMPORT_TEMPLATE = {
  namespace: "imports",
  name: "sales_import",
  version: "1.0.0",
} as const;

export function importRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/", validate("json", CreateImportSchema), async (c) => {
    const body = c.req.valid("json");
    const datasetUrl =
      body.dataset_url ?? pathToFileURL(join(deps.config.datasetDir, "sample-sales.csv")).href;
    const rejected = datasetUrlRejection(datasetUrl, deps.config.datasetDir);
    if (rejected) return c.json(rejected, 400);
    const [row] = await deps.db
      .insert(sales_imports)
      .values({ dataset_url: datasetUrl, batch_size: body.batch_size, status: "pending" })
      .returning();
    if (!row) throw new Error("inserting the import returned no row");
    const context: ImportContext = {
      import_id: row.id,
      dataset_url: datasetUrl,
      batch_size: body.batch_size,
      ...(body.interrupt_at_row !== undefined ? { interrupt_at_row: body.interrupt_at_row } : {}),
    };
    let taskUuid: string;
    try {
      const task = taskForRow(deps, sales_imports, row, {
        ...SALES_IMPORT_TEMPLATE,
        context,
        initiator: "hono-app",
        source_system: "hono-app",
        reason: `sales import ${row.id}: ${datasetUrl} in batches of ${body.batch_size}`,
        tags: ["imports"],
      });
      taskUuid = (await deps.tasker.client.createTask(task)).task.task_uuid;
    } catch (error) {
      return taskRefused(c, deps, sales_imports, row, error);
    }
    return c.json(await recordTaskStarted(deps.db, sales_imports, row.id, taskUuid), 201);
  });

  app.get("/:id", (c) =>
    respondWithRowAndTask(c, deps, { table: sales_imports, rawId: c.req.param("id"), what: "import" }),
  );

  return app;
}
