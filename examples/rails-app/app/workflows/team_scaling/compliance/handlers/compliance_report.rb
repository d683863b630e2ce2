# frozen_string_literal: true

module TeamScaling
  module Compliance
    module Handlers
      # compliance_report: the signed-off review, saved on the check under result.compliance.
      class ComplianceReport < ApplicationStepHandler
        handles "compliance_rb.compliance_report"

        def call(ctx)
          order = input(ctx, :check_id, :order_ref, :destination)
          verdict = dependency(ctx, "check_compliance", :approved, :screened_skus, :violations)
          tax = dependency(ctx, "verify_tax_rules", :jurisdiction, :tax_type, :rate_percent, :taxable_value,
                           :tax_amount)
          audit = dependency(ctx, "audit_log", :audit_log_id, :recorded_at)
          report = {
            "check_id" => order["check_id"], "order_ref" => order["order_ref"],
            "decision" => verdict["approved"] ? "approved" : "rejected", "destination" => order["destination"],
            "screened_skus" => verdict["screened_skus"], "violations" => verdict["violations"],
            "tax" => tax.slice("jurisdiction", "tax_type", "rate_percent", "taxable_value", "tax_amount"),
            "audit_log_id" => audit["audit_log_id"],
            # The audit entry's time, so a retried step writes the same report.
            "reviewed_at" => audit["recorded_at"]
          }
          unless ComplianceCheck.merge_result(order["check_id"], "compliance", report)
            raise permanent("compliance check #{order['check_id']} disappeared before its report was saved",
                            code: "check_not_found")
          end
          report
        end
      end
    end
  end
end
