# frozen_string_literal: true

# A message in the outbox: written once per dedupe key, delivered by EmailDeliveryJob.
class EmailMessage < ApplicationRecord
  self.table_name = "email_outbox"
end
