# frozen_string_literal: true

module TeamScaling
  module Compliance
    module Handlers
      # audit_log: one audit_logs row per check (unique dedupe key), however often the step runs.
      class AuditLog < ApplicationStepHandler
        handles "compliance_rb.audit_log"

        def self.dedupe_key(check_id)
          "compliance_check:#{check_id}:review"
        end

        def call(ctx)
          order = input(ctx, :check_id, :order_ref, :destination)
          verdict = dependency(ctx, "check_compliance", :screened_skus)
          tax = dependency(ctx, "verify_tax_rules", :jurisdiction, :rate_percent, :tax_amount)
          key = self.class.dedupe_key(order["check_id"])
          ::AuditLog.record_once(
            dedupe_key: key, entity_type: "compliance_check", entity_id: order["check_id"].to_s,
            action: "compliance_review.approved", actor: "compliance_review", task_uuid: ctx.task_uuid,
            step_name: ctx.step_name,
            details: { "order_ref" => order["order_ref"], "destination" => order["destination"],
                       "screened_skus" => verdict["screened_skus"], "tax_jurisdiction" => tax["jurisdiction"],
                       "tax_rate_percent" => tax["rate_percent"], "tax_amount" => tax["tax_amount"] }
          )
          entry = ::AuditLog.find_by!(dedupe_key: key)
          { "audit_log_id" => entry.id, "dedupe_key" => key, "action" => entry.action,
            "recorded_at" => Numbers.iso(entry.created_at) }
        end
      end
    end
  end
end
