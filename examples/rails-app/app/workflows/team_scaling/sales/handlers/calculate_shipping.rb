# frozen_string_literal: true

module TeamScaling
  module Sales
    module Handlers
      # calculate_shipping: total weight priced with the destination zone's rate card.
      class CalculateShipping < ApplicationStepHandler
        handles "sales_rb.calculate_shipping"

        def call(ctx)
          country = dependency(ctx, "receive_order", :destination)["destination"]["country"]
          lines = dependency(ctx, "validate_items", :lines)["lines"]
          { "destination_country" => country }.merge(Pricing.shipping(lines, country))
        end
      end
    end
  end
end
