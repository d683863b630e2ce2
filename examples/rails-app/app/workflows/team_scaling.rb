# frozen_string_literal: true

# Workflow 4: team scaling with namespace isolation. One compliance check = two tasks:
#   sales_rb/quote_generation:
#     receive_order -> validate_items -> calculate_shipping -> apply_discounts -> generate_quote
#   compliance_rb/compliance_review:
#     check_compliance -> verify_tax_rules -> audit_log -> compliance_report
# Each namespace has its own queue; a worker can serve one team only (TASKER_WORKER_NAMESPACES).
module TeamScaling
  SALES = "sales_rb"
  COMPLIANCE = "compliance_rb"
  NAMESPACES = [SALES, COMPLIANCE].freeze
  # The check's tasks by team (the keys of compliance_checks.task_uuids in every app).
  TEMPLATES = {
    "sales" => { namespace: SALES, name: "quote_generation", version: "1.0.0" },
    "compliance" => { namespace: COMPLIANCE, name: "compliance_review", version: "1.0.0" }
  }.freeze
  # The team whose task is the check's `task_uuid`.
  PRIMARY_TEAM = "compliance"

  def self.handler_classes
    [Sales::Handlers::ReceiveOrder, Sales::Handlers::ValidateItems, Sales::Handlers::CalculateShipping,
     Sales::Handlers::ApplyDiscounts, Sales::Handlers::GenerateQuote,
     Compliance::Handlers::CheckCompliance, Compliance::Handlers::VerifyTaxRules, Compliance::Handlers::AuditLog,
     Compliance::Handlers::ComplianceReport]
  end

  # Merges repeated skus (case-insensitively, upper-cased), keeping first-seen order.
  def self.normalize_lines(items)
    by_sku = items.each_with_object({}) do |item, acc|
      sku = item["sku"].strip.upcase
      acc[sku] = acc.fetch(sku, 0) + item["quantity"]
    end
    lines = by_sku.map { |sku, quantity| { "sku" => sku, "quantity" => quantity } }
    { "lines" => lines, "total_units" => lines.sum { |l| l["quantity"] } }
  end
end
