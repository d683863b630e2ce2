# frozen_string_literal: true

class AuditLog < ApplicationRecord
  # Inserts the entry unless one with its dedupe key exists; returns true when this call wrote it.
  def self.record_once(attributes)
    result = insert_all([attributes.merge(created_at: Time.current)], unique_by: :dedupe_key, returning: %w[id])
    result.rows.any?
  end
end
