# frozen_string_literal: true

class Coupon < ApplicationRecord
  self.primary_key = "code"
end
