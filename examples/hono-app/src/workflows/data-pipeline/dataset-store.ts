// The rows ingest_data loaded, kept in app.analytics_datasets (one row per job) so the parallel
// steps read them from the database instead of passing 1,000 rows through step results.
import { createHash } from "node:crypto";
import { PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import type { AppDb } from "../../db/client.js";
import { analytics_datasets } from "../../db/schema.js";
import type { LoadedDataset } from "./dataset-source.js";

export function checksumOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** Stores (or replaces, on a retry) the job's dataset. */
export async function saveDataset(db: AppDb, jobId: number, dataset: LoadedDataset) {
  const values = {
    job_id: jobId,
    origin: dataset.origin,
    columns: dataset.columns,
    rows: dataset.rows,
    row_count: dataset.rows.length,
    checksum: checksumOf(dataset.rows),
  };
  await db
    .insert(analytics_datasets)
    .values(values)
    .onConflictDoUpdate({ target: analytics_datasets.job_id, set: { ...values, loaded_at: new Date() } });
  return values;
}

export async function loadStoredDataset(db: AppDb, jobId: number) {
  const [dataset] = await db.select().from(analytics_datasets).where(eq(analytics_datasets.job_id, jobId));
  if (!dataset) {
    throw new PermanentError(`no dataset stored for analytics job ${jobId}; ingest_data must run first`, {
      code: "dataset_missing",
    });
  }
  return dataset;
}
