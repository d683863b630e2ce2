// import_batch (batch worker): imports the rows of its cursor range, saving a checkpoint every
// `checkpoint_every` rows; an attempt after a crash or a timeout starts at the last checkpoint.
// A row is written once however often it is imported (unique import_id + row_number).
import { batchInputs, defineHandler, RetryableError } from "@tasker-ts/tasker";
import { imported_sales } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { saleRow } from "../sale-row.js";
import { type BatchCounts, ImportContextSchema } from "../schemas.js";
import { loadImportRows } from "./load-rows.js";

export function importBatchHandler(deps: AppDeps) {
  return defineHandler(
    "imports.import_batch",
    { inputs: ImportContextSchema },
    async (ctx): Promise<BatchCounts> => {
      const { input, initialization, signal } = ctx;
      const batch = batchInputs(ctx);
      const every = Math.max(1, Number(initialization.checkpoint_every ?? 5));
      const end = Number(batch.end_cursor);
      const saved = ctx.resumeFrom;
      const from = typeof saved?.cursor === "number" ? saved.cursor : Number(batch.start_cursor);
      let imported = typeof saved?.imported === "number" ? saved.imported : 0;
      let rejected = typeof saved?.rejected === "number" ? saved.rejected : 0;
      const rows = batch.no_op ? [] : await loadImportRows(deps, input, signal);

      for (let row = from; row < end; row++) {
        const sale = saleRow(rows[row] ?? {});
        if (sale) {
          await deps.db
            .insert(imported_sales)
            .values({ import_id: input.import_id, row_number: row, ...sale })
            .onConflictDoNothing();
          imported++;
        } else {
          rejected++;
        }
        const done = row + 1;
        if ((done - Number(batch.start_cursor)) % every === 0 && done < end) {
          await ctx.checkpoint({ cursor: done, imported, rejected });
        }
        if (input.interrupt_at_row === row && ctx.attempt === 1) {
          throw new RetryableError(`interrupted after row ${row} (interrupt_at_row)`, {
            code: "interrupted",
          });
        }
      }
      return {
        batch_id: batch.batch_id,
        first_row: Number(batch.start_cursor),
        imported,
        rejected,
        resumed_from: from,
      };
    },
  );
}
