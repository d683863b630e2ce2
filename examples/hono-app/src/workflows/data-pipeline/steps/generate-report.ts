// Step 4: the report (JSON + Markdown), saved on the job (`result`) and in analytics_reports.
import { defineHandler } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { analytics_jobs, analytics_reports } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import type { AnomalyReport } from "../anomalies.js";
import type { ColumnStats } from "../column-stats.js";
import { buildReport, renderMarkdown } from "../report.js";
import type { DatasetValidation } from "../row-validation.js";
import {
  AggregateResultSchema,
  AnalyticsTaskContextSchema,
  AnomalyResultSchema,
  EnrichResultSchema,
  IngestResultSchema,
  ValidationResultSchema,
} from "../schemas.js";

export function generateReportHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.generate_report",
    {
      inputs: AnalyticsTaskContextSchema,
      depends: {
        ingest_data: IngestResultSchema,
        validate_schema: ValidationResultSchema.loose(),
        enrich_metadata: EnrichResultSchema,
        detect_anomalies: AnomalyResultSchema,
        aggregate_results: AggregateResultSchema,
      },
    },
    async ({ input, dependencyResults: d }) => {
      const report = buildReport({
        jobId: input.job_id,
        source: input.source,
        origin: d.ingest_data.origin,
        columns: d.ingest_data.columns,
        validation: d.validate_schema as unknown as DatasetValidation,
        columnStats: d.enrich_metadata.column_stats as Record<string, ColumnStats>,
        anomalies: d.detect_anomalies as AnomalyReport,
        aggregates: d.aggregate_results,
        generatedAt: new Date().toISOString(),
      });
      const markdown = renderMarkdown(report);
      const [saved] = await deps.db
        .insert(analytics_reports)
        .values({ job_id: input.job_id, title: report.title, report: { ...report }, markdown })
        .onConflictDoUpdate({
          target: analytics_reports.job_id,
          set: { title: report.title, report: { ...report }, markdown },
        })
        .returning({ id: analytics_reports.id });
      await deps.db
        .update(analytics_jobs)
        .set({ result: { report: { ...report }, markdown } })
        .where(eq(analytics_jobs.id, input.job_id));
      return {
        report_id: saved!.id,
        title: report.title,
        highlights: report.highlights,
        markdown_chars: markdown.length,
      };
    },
  );
}
