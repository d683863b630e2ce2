# frozen_string_literal: true

module TeamScaling
  module Compliance
    module Handlers
      # verify_tax_rules: the destination's import tax on the catalog value of the goods.
      class VerifyTaxRules < ApplicationStepHandler
        handles "compliance_rb.verify_tax_rules"

        def call(ctx)
          order = input(ctx, :items, :destination)
          dependency(ctx, "check_compliance", :approved)
          lines = TeamScaling.normalize_lines(order["items"])["lines"]
          prices = Product.where(sku: lines.map { |l| l["sku"] }).pluck(:sku, :price).to_h
          # check_compliance already refused unknown skus, so every line has a price here.
          value_cents = lines.sum { |l| Numbers.to_cents(prices.fetch(l["sku"])) * l["quantity"] }
          Rules.assess_tax(order["destination"]["country"], order["destination"]["region"],
                           Numbers.from_cents(value_cents))
        end
      end
    end
  end
end
