// Zod schemas for what crosses a boundary in the imports workflow: the HTTP body, the task
// context and a batch's result that summarize_import reads.
import { z } from "zod";
import { DatasetUrlSchema } from "../data-pipeline/schemas.js";

/** POST /imports body. Without dataset_url the app's sample CSV (datasets/sample-sales.csv) is imported. */
export const CreateImportSchema = z
  .object({
    dataset_url: DatasetUrlSchema.optional(),
    batch_size: z.number().int().min(1).max(10_000).default(10),
    /**
     * A demonstration of checkpoints: the batch holding this row fails once after importing it,
     * and its retry resumes from its last checkpoint instead of from its first row.
     */
    interrupt_at_row: z.number().int().min(0).optional(),
  })
  .strict();
export type CreateImport = z.infer<typeof CreateImportSchema>;

/** The context every sales_import task is created with. */
export const ImportContextSchema = z.object({
  import_id: z.number().int().positive(),
  dataset_url: z.string().min(1),
  batch_size: z.number().int().positive(),
  interrupt_at_row: z.number().int().min(0).optional(),
});
export type ImportContext = z.infer<typeof ImportContextSchema>;

/** What an import_batch instance returns. */
export const BatchCountsSchema = z.object({
  batch_id: z.string(),
  /** The batch's first row. */
  first_row: z.number().int(),
  imported: z.number().int(),
  rejected: z.number().int(),
  /** The row this attempt started at: above the batch's first row when it resumed from a checkpoint. */
  resumed_from: z.number().int(),
});
export type BatchCounts = z.infer<typeof BatchCountsSchema>;
