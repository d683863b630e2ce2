// Workflow 2 end to end through HTTP: POST /analytics/jobs -> 8 steps with a parallel fan-out ->
// report on the job, outbox message, archive row; on PGlite and on PostgreSQL.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analytics_datasets, analytics_reports, email_outbox, report_archive } from "../src/db/schema.js";
import { generateDataset } from "../src/workflows/data-pipeline/dataset-generator.js";
import { type Json, startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

const STEPS = [
  "ingest_data",
  "validate_schema",
  "enrich_metadata",
  "detect_anomalies",
  "aggregate_results",
  "generate_report",
  "notify_stakeholders",
  "archive_results",
];
const PARALLEL = ["validate_schema", "enrich_metadata", "detect_anomalies"];

describe.each(testBackends())("data pipeline analytics on %s", (backend) => {
  let t: TestApp;
  let datasetDir: string;
  let source: Server;
  let sourceUrl: string;
  let sourceHits = 0;

  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["data_pipeline"] });
    datasetDir = await mkdtemp(join(tmpdir(), "hono-app-datasets-"));
    t.deps.config.datasetDir = datasetDir;
    // A dataset server that fails the first request, to prove ingest_data retries 5xx.
    source = createServer((_req, res) => {
      sourceHits++;
      if (sourceHits === 1) {
        res.statusCode = 503;
        res.end("warming up");
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(generateDataset(99, 200)));
    });
    await new Promise<void>((ok) => source.listen(0, "127.0.0.1", ok));
    sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/sales.json`;
  });

  afterAll(async () => {
    source?.closeAllConnections();
    await new Promise((ok) => source?.close(ok));
    await t?.close();
    if (datasetDir) await rm(datasetDir, { recursive: true, force: true });
  });

  it("runs the 8 steps with the three analyses in parallel and stores the report", async () => {
    const created = await t.request("POST", "/analytics/jobs", { source: "q1-sales" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ source: "q1-sales", dataset_url: null, status: "processing" });
    const jobId = created.body.id as number;

    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("complete");
    expect(task.completion_percentage).toBe(100);
    const steps = await getTaskSteps(t.orchestrationUrl, task.task_uuid);
    expect(steps.map((s) => s.name).sort()).toEqual([...STEPS].sort());
    expect(steps.every((s) => s.current_state === "complete")).toBe(true);

    const results = Object.fromEntries(
      await Promise.all(
        STEPS.map(async (name) => [
          name,
          (await getStep(t.orchestrationUrl, task.task_uuid, name)).results as Json,
        ]),
      ),
    );
    expect(results.ingest_data).toMatchObject({
      row_count: 1000,
      columns: ["date", "region", "product", "quantity", "amount"],
    });
    expect(results.validate_schema.total_rows).toBe(1000);
    expect(results.validate_schema.invalid_rows).toBeGreaterThan(0);
    expect(results.validate_schema.valid_rows + results.validate_schema.invalid_rows).toBe(1000);
    expect(results.enrich_metadata.column_stats.amount).toMatchObject({ type: "number", nulls: 0 });
    expect(results.enrich_metadata.column_stats.region.distinct).toBeGreaterThanOrEqual(4);
    expect(results.detect_anomalies.anomaly_count).toBeGreaterThan(0);
    expect(results.detect_anomalies.anomalies[0].value).toBeGreaterThan(results.detect_anomalies.upper_bound);
    expect(results.aggregate_results.totals.rows).toBe(results.validate_schema.valid_rows);
    expect(Object.keys(results.aggregate_results.by_region).sort()).toEqual([
      "east",
      "north",
      "south",
      "west",
    ]);
    expect(results.generate_report.title).toBe(`Sales analytics: q1-sales (job #${jobId})`);
    expect(results.notify_stakeholders).toMatchObject({ recipients: ["analytics-team@example.com"] });
    expect(results.archive_results.checksum).toMatch(/^[0-9a-f]{64}$/);

    // The parallel branches overlapped: each started before any of them finished.
    const latestStart = Math.max(...PARALLEL.map((s) => Date.parse(results[s].started_at)));
    const earliestFinish = Math.min(...PARALLEL.map((s) => Date.parse(results[s].finished_at)));
    expect(latestStart).toBeLessThan(earliestFinish);
    // ...and the fan-in waited for all three.
    const aggregate = steps.find((s) => s.name === "aggregate_results")!;
    expect(aggregate.total_parents).toBe(3);

    const row = await waitForRowStatus(t, `/analytics/jobs/${jobId}`, ["completed"]);
    expect(row.result.report).toMatchObject({ job_id: jobId, totals: results.aggregate_results.totals });
    expect(row.result.markdown).toContain(`# Sales analytics: q1-sales (job #${jobId})`);
    expect(row.task).toMatchObject({
      status: "complete",
      completion_percentage: 100,
      total_steps: 8,
      completed_steps: 8,
    });

    const db = t.deps.db;
    expect(
      await db.select().from(analytics_datasets).where(eq(analytics_datasets.job_id, jobId)),
    ).toMatchObject([{ row_count: 1000 }]);
    expect(await db.select().from(analytics_reports).where(eq(analytics_reports.job_id, jobId))).toHaveLength(
      1,
    );
    expect(await db.select().from(report_archive).where(eq(report_archive.job_id, jobId))).toMatchObject([
      { checksum: results.archive_results.checksum },
    ]);
    await t.jobs.drain();
    expect(
      await db
        .select()
        .from(email_outbox)
        .where(eq(email_outbox.dedupe_key, `analytics:${jobId}:report`)),
    ).toMatchObject([{ status: "sent" }]);
  });

  it("generates the same dataset for the same job id", async () => {
    const a = await t.request("POST", "/analytics/jobs", { source: "again" });
    await waitForTaskCompletion(t.orchestrationUrl, a.body.task_uuid);
    const [stored] = await t.deps.db
      .select()
      .from(analytics_datasets)
      .where(eq(analytics_datasets.job_id, a.body.id));
    expect(stored!.rows).toEqual(generateDataset(a.body.id));
  });

  it("reads a CSV file, and retries an HTTP source that answers 503 first", async () => {
    const csv = join(datasetDir, "march.csv");
    await writeFile(
      csv,
      "date,region,product,quantity,amount\n2024-03-01,north,WIDGET-001,2,59.98\n2024-03-02,west,GIZMO-003,1,129.00\n",
    );
    const fromFile = await t.request("POST", "/analytics/jobs", {
      source: "march",
      dataset_url: pathToFileURL(csv).href,
    });
    expect(fromFile.status).toBe(201);
    const fileTask = await waitForTaskCompletion(t.orchestrationUrl, fromFile.body.task_uuid);
    expect(fileTask.status).toBe("complete");
    const agg = await getStep(t.orchestrationUrl, fileTask.task_uuid, "aggregate_results");
    expect((agg.results as Json).totals).toEqual({ rows: 2, quantity: 3, amount: 188.98 });

    const fromHttp = await t.request("POST", "/analytics/jobs", { source: "remote", dataset_url: sourceUrl });
    const httpTask = await waitForTaskCompletion(t.orchestrationUrl, fromHttp.body.task_uuid);
    expect(httpTask.status).toBe("complete");
    const ingest = await getStep(t.orchestrationUrl, httpTask.task_uuid, "ingest_data");
    expect(ingest.attempts).toBe(2);
    expect((ingest.results as Json).row_count).toBe(200);
  });

  it("fails the job when the source is unreadable or mostly invalid", async () => {
    const missing = await t.request("POST", "/analytics/jobs", {
      source: "missing",
      dataset_url: pathToFileURL(join(datasetDir, "nope.csv")).href,
    });
    const missingTask = await waitForTaskCompletion(t.orchestrationUrl, missing.body.task_uuid);
    expect(missingTask.status).toBe("error");
    const ingest = await getStep(t.orchestrationUrl, missingTask.task_uuid, "ingest_data");
    expect(ingest.attempts).toBe(1);
    expect(ingest.error).toMatchObject({ code: "dataset_unreadable" });
    const row = await waitForRowStatus(t, `/analytics/jobs/${missing.body.id}`, ["failed"]);
    expect(row.error).toContain("nope.csv");

    const junk = join(datasetDir, "junk.csv");
    await writeFile(junk, "date,region\nyesterday,north\ntomorrow,south\n");
    const invalid = await t.request("POST", "/analytics/jobs", {
      source: "junk",
      dataset_url: pathToFileURL(junk).href,
    });
    const invalidTask = await waitForTaskCompletion(t.orchestrationUrl, invalid.body.task_uuid);
    expect(invalidTask.status).toBe("error");
    const validate = await getStep(t.orchestrationUrl, invalidTask.task_uuid, "validate_schema");
    expect(validate.error).toMatchObject({ code: "dataset_invalid" });
    expect(validate.error?.message).toContain("missing columns: product, quantity, amount");
    await waitForRowStatus(t, `/analytics/jobs/${invalid.body.id}`, ["failed"]);
  });

  it("answers 400 for bad bodies and ids, 404 for unknown jobs", async () => {
    const empty = await t.request("POST", "/analytics/jobs", {});
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].path).toBe("source");
    const scheme = await t.request("POST", "/analytics/jobs", {
      source: "x",
      dataset_url: "ftp://example.com/a.csv",
    });
    expect(scheme.status).toBe(400);
    expect(scheme.body.issues[0].path).toBe("dataset_url");
    const outside = await t.request("POST", "/analytics/jobs", {
      source: "x",
      dataset_url: "file:///etc/passwd",
    });
    expect(outside.status).toBe(400);
    expect(outside.body.issues[0].message).toContain("must be inside");
    expect((await t.request("GET", "/analytics/jobs/0")).status).toBe(400);
    const missing = await t.request("GET", "/analytics/jobs/424242");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("analytics job 424242 not found");
  });
});
