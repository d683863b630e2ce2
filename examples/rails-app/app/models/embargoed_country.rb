# frozen_string_literal: true

class EmbargoedCountry < ApplicationRecord
  self.primary_key = "country_code"
end
