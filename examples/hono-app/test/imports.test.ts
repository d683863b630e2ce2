// Workflow 6 end to end through HTTP: POST /imports -> plan_import (batchable) plans one batch per
// batch_size CSV rows, the engine creates an import_batch instance for each (at most 4 running at
// once), each imports its cursor range with checkpoints, and summarize_import (deferred
// convergence) totals them on the row. On PGlite and on PostgreSQL.
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imported_sales } from "../src/db/schema.js";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

// datasets/sample-sales.csv: 26 rows, the last one without a region.
const ROWS = 26;
const VALID = 25;

describe.each(testBackends())("bulk sales import in batches on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["imports"] });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const create = (body: unknown) => t.request("POST", "/imports", body);
  const run = async (body: Record<string, unknown>) => {
    const created = await create(body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "processing", imported_rows: null });
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    const row = await waitForRowStatus(t, `/imports/${created.body.id}`, ["completed", "failed"]);
    const stored = await t.deps.db.select().from(imported_sales).where(eq(imported_sales.import_id, row.id));
    return { task, row, stored };
  };

  it("imports the sample CSV in batches of 5: six batch instances, every valid row once, totals on the row", async () => {
    const { task, row, stored } = await run({ batch_size: 5 });
    expect(task.status).toBe("complete");
    const steps = await getTaskSteps(t.orchestrationUrl, task.task_uuid);
    expect(steps.map((s) => s.name).sort()).toEqual([
      "import_batch_001",
      "import_batch_002",
      "import_batch_003",
      "import_batch_004",
      "import_batch_005",
      "import_batch_006",
      "plan_import",
      "summarize_import",
    ]);
    const last = await getStep(t.orchestrationUrl, task.task_uuid, "import_batch_006");
    expect(last.results).toEqual({
      batch_id: "006",
      first_row: 25,
      imported: 0,
      rejected: 1,
      resumed_from: 25,
    });
    expect(row).toMatchObject({
      status: "completed",
      batch_size: 5,
      total_rows: ROWS,
      imported_rows: VALID,
      rejected_rows: ROWS - VALID,
      batch_count: 6,
      result: { failed_batches: [], resumed_batches: 0 },
    });
    expect(stored.map((s) => s.row_number).sort((a, b) => a - b)).toEqual([...Array(VALID).keys()]);
    expect(stored.find((s) => s.row_number === 0)).toMatchObject({
      date: "2024-03-01",
      region: "north",
      product: "WIDGET-001",
      quantity: 1,
      amount: 29.99,
    });
  });

  it("resumes an interrupted batch from its last checkpoint, not from its first row", async () => {
    // Batch 2 holds rows 10-19; it checkpoints after row 14 and is interrupted at row 17.
    const { task, row, stored } = await run({ batch_size: 10, interrupt_at_row: 17 });
    expect(task.status).toBe("complete");
    const second = await getStep(t.orchestrationUrl, task.task_uuid, "import_batch_002");
    expect(second.attempts).toBe(2);
    expect(second.results).toEqual({
      batch_id: "002",
      first_row: 10,
      imported: 10,
      rejected: 0,
      resumed_from: 15,
    });
    const first = await getStep(t.orchestrationUrl, task.task_uuid, "import_batch_001");
    expect(first.attempts).toBe(1);
    expect(row).toMatchObject({
      imported_rows: VALID,
      rejected_rows: 1,
      batch_count: 3,
      result: { resumed_batches: 1 },
    });
    // Rows 15-17 were written by both attempts' loops, but stored once.
    expect(stored).toHaveLength(VALID);
  });

  it("answers bad bodies with 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ batch_size: 0 }, "batch_size"],
      [{ batch_size: 2.5 }, "batch_size"],
      [{ dataset_url: "ftp://x/y.csv" }, "dataset_url"],
      [{ dataset_url: "file:///etc/passwd" }, "dataset_url"],
      [{ interrupt_at_row: -1 }, "interrupt_at_row"],
      [{ rows: 5 }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body.issues)).toContain(field);
    }
    expect((await t.request("GET", "/imports/x")).status).toBe(400);
    expect((await t.request("GET", "/imports/424242")).status).toBe(404);
  });
});
