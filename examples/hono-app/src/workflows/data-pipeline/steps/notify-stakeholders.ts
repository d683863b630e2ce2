// Step 5: tell the stakeholders (template initialization `recipients`) through the email outbox.
import { defineHandler } from "@tasker-ts/tasker";
import { emailSender } from "../../../jobs/email.js";
import type { AppDeps } from "../../../lib/deps.js";
import { AnalyticsTaskContextSchema, ReportResultSchema } from "../schemas.js";

const DEFAULT_RECIPIENTS = ["analytics-team@example.com"];

export function notifyStakeholdersHandler(deps: AppDeps) {
  const sendEmail = emailSender(deps);
  return defineHandler(
    "data_pipeline.notify_stakeholders",
    { inputs: AnalyticsTaskContextSchema, depends: { generate_report: ReportResultSchema } },
    async ({ input, initialization, dependencyResults }) => {
      const recipients =
        Array.isArray(initialization.recipients) &&
        initialization.recipients.every((r) => typeof r === "string")
          ? (initialization.recipients as string[])
          : DEFAULT_RECIPIENTS;
      const report = dependencyResults.generate_report;
      const message = await sendEmail({
        dedupeKey: `analytics:${input.job_id}:report`,
        recipients,
        subject: `Report ready: ${report.title}`,
        body: [
          `${report.title} is ready.`,
          "",
          ...report.highlights.map((h) => `- ${h}`),
          "",
          `Full report: GET /analytics/jobs/${input.job_id}`,
        ].join("\n"),
      });
      return { message_id: message.message_id, recipients, subject: message.subject, status: message.status };
    },
  );
}
