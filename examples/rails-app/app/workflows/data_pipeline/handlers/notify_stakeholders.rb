# frozen_string_literal: true

module DataPipeline
  module Handlers
    # Step 5: tell the stakeholders (template initialization `recipients`) through the email outbox.
    class NotifyStakeholders < ApplicationStepHandler
      handles "data_pipeline_rb.notify_stakeholders"

      DEFAULT_RECIPIENTS = ["analytics-team@example.com"].freeze

      def call(ctx)
        job_id = input(ctx, :job_id)["job_id"]
        report = dependency(ctx, "generate_report", :title, :highlights)
        configured = ctx.initialization["recipients"]
        recipients = configured.is_a?(Array) && configured.all?(String) ? configured : DEFAULT_RECIPIENTS
        body = ["#{report['title']} is ready.", "", *report["highlights"].map { |h| "- #{h}" }, "",
                "Full report: GET /analytics/jobs/#{job_id}"].join("\n")
        message = Outbox.enqueue(dedupe_key: "analytics:#{job_id}:report", recipients: recipients,
                                 subject: "Report ready: #{report['title']}", body: body)
        { "message_id" => message.message_id, "recipients" => recipients, "subject" => message.subject,
          "status" => message.status }
      end
    end
  end
end
