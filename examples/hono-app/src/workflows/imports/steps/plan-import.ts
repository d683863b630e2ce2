// plan_import (batchable): counts the CSV's rows and plans one batch per batch_size rows; the
// engine creates an import_batch instance for each, with its cursor range.
import { createBatches, defineHandler, noBatches, planBatches } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { ImportContextSchema } from "../schemas.js";
import { loadImportRows } from "./load-rows.js";

export function planImportHandler(deps: AppDeps) {
  return defineHandler("imports.plan_import", { inputs: ImportContextSchema }, async ({ input, signal }) => {
    const rows = await loadImportRows(deps, input, signal);
    if (rows.length === 0) return noBatches({ total_rows: 0 });
    return createBatches(planBatches({ total: rows.length, batchSize: input.batch_size }), {
      totalItems: rows.length,
      result: { total_rows: rows.length },
    });
  });
}
