// Step 6: a long-term copy of the report in app.report_archive (once per job, with a checksum).
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { eq } from "drizzle-orm";
import { analytics_reports, report_archive } from "../../../db/schema.js";
import type { AppDeps } from "../../../lib/deps.js";
import { checksumOf } from "../dataset-store.js";
import { AnalyticsTaskContextSchema } from "../schemas.js";

export function archiveResultsHandler(deps: AppDeps) {
  return defineHandler(
    "data_pipeline.archive_results",
    { inputs: AnalyticsTaskContextSchema },
    async ({ input }) => {
      const [report] = await deps.db
        .select()
        .from(analytics_reports)
        .where(eq(analytics_reports.job_id, input.job_id));
      if (!report) {
        throw new PermanentError(
          `no report for analytics job ${input.job_id}; generate_report must run first`,
          {
            code: "report_missing",
          },
        );
      }
      await deps.db
        .insert(report_archive)
        .values({
          job_id: input.job_id,
          report: report.report,
          markdown: report.markdown,
          checksum: checksumOf({ report: report.report, markdown: report.markdown }),
        })
        .onConflictDoNothing({ target: report_archive.job_id });
      const [archived] = await deps.db
        .select()
        .from(report_archive)
        .where(eq(report_archive.job_id, input.job_id));
      return {
        archive_id: archived!.id,
        checksum: archived!.checksum,
        archived_at: archived!.archived_at.toISOString(),
        location: "app.report_archive",
      };
    },
  );
}
