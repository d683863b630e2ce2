// Data pipeline steps delivered twice: one dataset, one report, one notice, one archive copy.
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  analytics_datasets,
  analytics_jobs,
  analytics_reports,
  email_outbox,
  report_archive,
} from "../src/db/schema.js";
import { startTestApp, type TestApp } from "./support/app-harness.js";
import { handlerFor, stepContext } from "./support/step-context.js";

describe.each(testBackends())("data pipeline steps delivered twice on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("stores one dataset, report, notice and archive copy per job", async () => {
    const db = t.deps.db;
    const handlers = t.workflows.find((w) => w.name === "data-pipeline")!.handlers;
    const [job] = await db
      .insert(analytics_jobs)
      .values({ source: "twice", status: "processing" })
      .returning();
    const input = { job_id: job!.id, source: "twice", dataset_url: null };
    const run = (step: string, deps: Record<string, unknown> = {}) =>
      handlerFor(handlers, `data_pipeline.${step}`).handle(stepContext("data_pipeline", step, input, deps));
    const twice = async (step: string, deps: Record<string, unknown> = {}) => {
      const [a, b] = await Promise.all([run(step, deps), run(step, deps)]);
      return [a, b, await run(step, deps)] as Array<Record<string, unknown>>;
    };

    const [ingest_data] = await twice("ingest_data");
    const [validate_schema, enrich_metadata, detect_anomalies] = await Promise.all([
      run("validate_schema"),
      run("enrich_metadata"),
      run("detect_anomalies"),
    ]);
    const parallel = { validate_schema, enrich_metadata, detect_anomalies };
    const [aggregate_results] = await twice("aggregate_results", parallel);
    const reports = await twice("generate_report", { ingest_data, ...parallel, aggregate_results });
    expect(new Set(reports.map((r) => r.report_id)).size).toBe(1);
    const notices = await twice("notify_stakeholders", { generate_report: reports[0] });
    expect(new Set(notices.map((n) => n.message_id)).size).toBe(1);
    const archives = await twice("archive_results");
    expect(new Set(archives.map((a) => a.archive_id)).size).toBe(1);
    expect(new Set(archives.map((a) => a.checksum)).size).toBe(1);

    const id = job!.id;
    expect(await db.select().from(analytics_datasets).where(eq(analytics_datasets.job_id, id))).toHaveLength(
      1,
    );
    expect(await db.select().from(analytics_reports).where(eq(analytics_reports.job_id, id))).toHaveLength(1);
    expect(await db.select().from(report_archive).where(eq(report_archive.job_id, id))).toHaveLength(1);
    await t.jobs.drain();
    expect(
      await db
        .select()
        .from(email_outbox)
        .where(eq(email_outbox.dedupe_key, `analytics:${job!.id}:report`)),
    ).toMatchObject([{ status: "sent", attempts: 1 }]);
  });
});
