# frozen_string_literal: true

# One charge per order (unique order_id): a retried process_payment finds it instead of charging again.
class Payment < ApplicationRecord
  belongs_to :order
end
