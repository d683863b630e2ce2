// Zod schemas for what crosses a boundary in the data pipeline: the HTTP body, the task context,
// and the step results later steps read.
import { z } from "zod";

export const NAMESPACE = "data_pipeline";
export const TEMPLATE_NAME = "analytics_pipeline";
export const TEMPLATE_VERSION = "1.0.0";

/** Where a dataset is read from (checked further by datasetUrlProblem). */
export const DatasetUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .regex(/^(file|https?):\/\//, "dataset_url must start with file://, http:// or https://");

export const CreateAnalyticsJobBodySchema = z
  .object({
    source: z
      .string()
      .trim()
      .min(1, "source is required: a name for the data, e.g. q1-sales")
      .max(200)
      .regex(/^[\w .:/@-]+$/, "source may contain letters, digits, spaces and . _ - : / @"),
    dataset_url: DatasetUrlSchema.optional(),
  })
  .strict();
export type CreateAnalyticsJobBody = z.infer<typeof CreateAnalyticsJobBodySchema>;

export const AnalyticsTaskContextSchema = z.object({
  job_id: z.number().int().positive(),
  source: z.string(),
  dataset_url: z.string().nullable().optional(),
});
export type AnalyticsTaskContext = z.infer<typeof AnalyticsTaskContextSchema>;

const Timed = { started_at: z.string(), finished_at: z.string() };

export const IngestResultSchema = z.object({
  row_count: z.number().int(),
  columns: z.array(z.string()),
  origin: z.string(),
});
export const ValidationResultSchema = z
  .object({
    total_rows: z.number(),
    valid_rows: z.number(),
    invalid_rows: z.number(),
    invalid_share: z.number(),
  })
  .extend(Timed);
export const EnrichResultSchema = z.object({ column_stats: z.record(z.string(), z.any()) }).extend(Timed);
export const AnomalyResultSchema = z
  .object({
    field: z.string(),
    sigmas: z.number(),
    rows_considered: z.number(),
    mean: z.number(),
    stddev: z.number(),
    lower_bound: z.number(),
    upper_bound: z.number(),
    anomaly_count: z.number(),
    anomalies: z.array(z.object({ row_index: z.number(), value: z.number(), z_score: z.number() })),
  })
  .extend(Timed);
const TotalsSchema = z.object({ rows: z.number(), quantity: z.number(), amount: z.number() });
export const AggregateResultSchema = z.object({
  totals: TotalsSchema,
  by_region: z.record(z.string(), TotalsSchema),
  by_product: z.record(z.string(), TotalsSchema),
});
export const ReportResultSchema = z.object({
  report_id: z.number(),
  title: z.string(),
  highlights: z.array(z.string()),
});
