# frozen_string_literal: true

class Quote < ApplicationRecord
  belongs_to :compliance_check, optional: true
end
