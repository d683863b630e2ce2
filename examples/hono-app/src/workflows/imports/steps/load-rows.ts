// The rows of an import's CSV, loaded the way the data pipeline loads a dataset (file:// inside
// DATASET_DIR, or http(s)://). Every batch reads the file again: only cursors cross steps.
import type { AppDeps } from "../../../lib/deps.js";
import { loadDataset } from "../../data-pipeline/dataset-source.js";

export async function loadImportRows(
  deps: Pick<AppDeps, "config">,
  input: { import_id: number; dataset_url: string },
  signal: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const dataset = await loadDataset({
    jobId: input.import_id,
    datasetUrl: input.dataset_url,
    datasetDir: deps.config.datasetDir,
    timeoutMs: 10_000,
    signal,
  });
  return dataset.rows;
}
