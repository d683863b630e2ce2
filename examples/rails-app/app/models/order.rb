# frozen_string_literal: true

class Order < ApplicationRecord
  include TaskBacked

  has_one :payment, dependent: :restrict_with_exception
  has_one :invoice, dependent: :restrict_with_exception
  has_many :stock_movements, dependent: :restrict_with_exception
end
