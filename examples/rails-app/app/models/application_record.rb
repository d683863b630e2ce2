# frozen_string_literal: true

class ApplicationRecord < ActiveRecord::Base
  self.abstract_class = true

  # Rows go out through the API as they are stored, with money (decimal columns) as JSON numbers
  # rather than Rails' default strings, the same wire shape as the other apps.
  def serializable_hash(options = nil)
    super.transform_values { |value| value.is_a?(BigDecimal) ? value.to_f : value }
  end
end
