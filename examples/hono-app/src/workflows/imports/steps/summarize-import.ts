// summarize_import (deferred convergence): created after every batch instance, it adds up their
// counts and records them on the import row.
import { batchResults, defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { sales_imports } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { BatchCountsSchema, ImportContextSchema } from "../schemas.js";

export function summarizeImportHandler({ db }: AppDeps) {
  return defineHandler(
    "imports.summarize_import",
    { inputs: ImportContextSchema },
    async ({ input, dependencyResults }) => {
      const batches = batchResults(dependencyResults, "import_batch");
      const counted = batches.filter((b) => !b.failed).map((b) => BatchCountsSchema.parse(b.result));
      const failed = batches.filter((b) => b.failed).map((b) => b.batch_id);
      const summary = {
        batch_count: batches.length,
        imported_rows: counted.reduce((n, b) => n + b.imported, 0),
        rejected_rows: counted.reduce((n, b) => n + b.rejected, 0),
        failed_batches: failed,
        resumed_batches: counted.filter((b) => b.resumed_from > b.first_row).length,
      };
      const total = (dependencyResults.plan_import as { total_rows?: number } | undefined)?.total_rows;
      const [row] = await db
        .update(sales_imports)
        .set({
          total_rows: total ?? summary.imported_rows + summary.rejected_rows,
          imported_rows: summary.imported_rows,
          rejected_rows: summary.rejected_rows,
          batch_count: summary.batch_count,
          result: summary,
        })
        .where(eq(sales_imports.id, input.import_id))
        .returning({ id: sales_imports.id });
      if (!row) throw new PermanentError(`import ${input.import_id} is gone`, { code: "import_not_found" });
      return { import_id: input.import_id, ...summary };
    },
  );
}
