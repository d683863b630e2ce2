// POST /analytics/jobs, GET /analytics/jobs/:id (mounted at /analytics/jobs)
import { Hono } from "hono";
import { analytics_jobs } from "../../db/schema.js";
import { recordTaskStarted } from "../../engine/task-rows.js";
import type { AppDeps } from "../../lib/deps.js";
import { respondWithRowAndTask, taskForRow, taskRefused } from "../../lib/task-backed-rows.js";
import { validate } from "../../lib/validation.js";
import { datasetUrlRejection } from "./dataset-source.js";
import { CreateAnalyticsJobBodySchema } from "./schemas.js";
import { analyticsTaskRequest } from "./task-request.js";

export function analyticsRoutes(deps: AppDeps) {
  return new Hono()
    .post("/", validate("json", CreateAnalyticsJobBodySchema), async (c) => {
      const body = c.req.valid("json");
      const rejected = body.dataset_url
        ? datasetUrlRejection(body.dataset_url, deps.config.datasetDir)
        : undefined;
      if (rejected) return c.json(rejected, 400);
      const [job] = await deps.db
        .insert(analytics_jobs)
        .values({ source: body.source, dataset_url: body.dataset_url ?? null })
        .returning();
      if (!job) throw new Error("inserting the analytics job returned no row");
      let taskUuid: string;
      try {
        const request = taskForRow(deps, analytics_jobs, job, analyticsTaskRequest(job));
        taskUuid = (await deps.tasker.client.createTask(request)).task.task_uuid;
      } catch (error) {
        return taskRefused(c, deps, analytics_jobs, job, error);
      }
      return c.json(await recordTaskStarted(deps.db, analytics_jobs, job.id, taskUuid), 201);
    })
    .get("/:id", (c) =>
      respondWithRowAndTask(c, deps, {
        table: analytics_jobs,
        rawId: c.req.param("id"),
        what: "analytics job",
      }),
    );
}
