"""Workflow 4: team scaling with namespace isolation. One compliance check = two tasks:
  sales_py/quote_generation:       receive_order -> validate_items -> calculate_shipping -> apply_discounts -> generate_quote
  compliance_py/compliance_review: check_compliance -> verify_tax_rules -> audit_log -> compliance_report
Each namespace has its own queue; a worker can serve one team only (TASKER_WORKER_NAMESPACES)."""
