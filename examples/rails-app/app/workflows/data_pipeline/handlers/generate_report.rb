# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 4: the report (JSON + Markdown), saved on the job (`result`) and in analytics_reports.
    class GenerateReport < ApplicationStepHandler
      handles "data_pipeline_rb.generate_report"

      def call(ctx)
        job = input(ctx, :job_id, :source)
        ingest = dependency(ctx, "ingest_data", :origin, :columns)
        report = Report.build(
          job_id: job["job_id"], source: job["source"], origin: ingest["origin"], columns: ingest["columns"],
          validation: dependency(ctx, "validate_schema", :total_rows, :valid_rows, :invalid_rows, :invalid_share),
          column_stats: dependency(ctx, "enrich_metadata", :column_stats)["column_stats"],
          anomalies: dependency(ctx, "detect_anomalies", :field, :anomaly_count, :anomalies),
          aggregates: dependency(ctx, "aggregate_results", :totals, :by_region, :by_product),
          generated_at: Numbers.iso(Time.current)
        )
        markdown = Report.markdown(report)
        saved = save(job["job_id"], report, markdown)
        { "report_id" => saved, "title" => report["title"], "highlights" => report["highlights"],
          "markdown_chars" => markdown.length }
      end

      private

      def save(job_id, report, markdown)
        AnalyticsReport.transaction do
          AnalyticsReport.upsert_all([{ job_id: job_id, title: report["title"], report: report, markdown: markdown,
                                        updated_at: Time.current }], unique_by: :job_id)
          AnalyticsJob.where(id: job_id).update_all(result: { "report" => report, "markdown" => markdown },
                                                    updated_at: Time.current)
          AnalyticsReport.where(job_id: job_id).pick(:id)
        end
      end
    end
  end
end
