# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 6: a long-term copy of the report in report_archive (once per job, with a checksum).
    class ArchiveResults < ApplicationStepHandler
      handles "data_pipeline_rb.archive_results"

      def call(ctx)
        job_id = input(ctx, :job_id)["job_id"]
        report = AnalyticsReport.find_by(job_id: job_id) or
          raise permanent("no report for analytics job #{job_id}; generate_report must run first",
                          code: "report_missing")
        checksum = DatasetStore.checksum_of({ "report" => report.report, "markdown" => report.markdown })
        ReportArchiveEntry.insert_all([{ job_id: job_id, report: report.report, markdown: report.markdown,
                                         checksum: checksum }], unique_by: :job_id)
        archived = ReportArchiveEntry.find_by!(job_id: job_id)
        { "archive_id" => archived.id, "checksum" => archived.checksum,
          "archived_at" => Numbers.iso(archived.archived_at), "location" => "report_archive" }
      end
    end
  end
end
