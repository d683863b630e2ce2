# frozen_string_literal: true

# One compliance check owns two tasks in two namespaces, created with one correlation id: Team A's
# quote (sales_rb/quote_generation) and Team B's review (compliance_rb/compliance_review).
# `task_uuids` holds both by team ("sales", "compliance"); `task_uuid` is the review's.
class ComplianceCheck < ApplicationRecord
  include TaskBacked

  has_many :quotes, dependent: :restrict_with_exception

  # Writes one team's part of `result` (quote / compliance) in one UPDATE (a jsonb merge), so
  # the two teams' steps never overwrite each other. Returns false when the check is gone.
  def self.merge_result(id, key, value)
    patch = { key => value }.to_json
    where(id: id).update_all(["result = coalesce(result, '{}'::jsonb) || ?::jsonb, updated_at = now()",
                              patch]).positive?
  end
end
