# frozen_string_literal: true

class Product < ApplicationRecord
  self.primary_key = "sku"
end
