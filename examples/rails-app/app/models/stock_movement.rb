# frozen_string_literal: true

# One movement per order, sku and reason: update_inventory applies each line once.
class StockMovement < ApplicationRecord
  belongs_to :order
end
