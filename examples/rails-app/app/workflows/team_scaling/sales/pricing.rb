# frozen_string_literal: true

module TeamScaling
  module Sales
    # Team A's rules: shipping by zone and weight, discounts, quote numbers and validity.
    module Pricing
      # Orders ship from the US warehouse, so the US is the domestic zone.
      EUROPE = %w[GB IE FR DE NL BE LU ES PT IT AT CH DK SE NO FI PL CZ].freeze
      ZONE_BY_COUNTRY = { "US" => "domestic", "CA" => "north_america", "MX" => "north_america" }
                        .merge(EUROPE.to_h { |c| [c, "europe"] }).freeze
      # Rate card per zone: a fixed handling fee plus a price per kilogram, in cents.
      ZONE_RATES = {
        "domestic" => { base: 599, per_kg: 150 }, "north_america" => { base: 1299, per_kg: 300 },
        "europe" => { base: 1999, per_kg: 450 }, "international" => { base: 2999, per_kg: 700 }
      }.freeze
      VOLUME_THRESHOLD_UNITS = 10
      VOLUME_DISCOUNT_PERCENT = 5
      MAX_TOTAL_DISCOUNT_PERCENT = 25
      # Loyalty discount by customer tier; tiers not listed get none.
      TIER_DISCOUNT_PERCENT = { "gold" => 5, "silver" => 3, "standard" => 0 }.freeze
      DEFAULT_QUOTE_VALIDITY_DAYS = 30

      module_function

      def zone_for(country)
        ZONE_BY_COUNTRY.fetch(country.upcase, "international")
      end

      # Total weight of the lines (to the gram) and the shipping cost for `country`.
      def shipping(lines, country)
        grams = lines.sum { |l| Numbers.round_half_up(l["weight_kg"] * 1000) * l["quantity"] }
        zone = zone_for(country)
        rate = ZONE_RATES.fetch(zone)
        weight_cents = Numbers.round_half_up(rate[:per_kg] * grams / 1000.0)
        { "zone" => zone, "total_weight_kg" => grams / 1000.0, "base_cost" => Numbers.from_cents(rate[:base]),
          "weight_cost" => Numbers.from_cents(weight_cents),
          "shipping_cost" => Numbers.from_cents(rate[:base] + weight_cents) }
      end

      # Each rule contributes a percentage of the merchandise subtotal (shipping is never
      # discounted); percentages add up and are capped.
      def discounts(subtotal_cents:, total_units:, coupon:, customer_tier:)
        rules = []
        if total_units >= VOLUME_THRESHOLD_UNITS
          rules << { "kind" => "volume", "code" => "VOLUME_#{VOLUME_THRESHOLD_UNITS}",
                     "percent" => VOLUME_DISCOUNT_PERCENT }
        end
        if coupon && coupon[:percent].positive?
          rules << { "kind" => "coupon", "code" => coupon[:code], "percent" => coupon[:percent] }
        end
        tier_percent = customer_tier ? TIER_DISCOUNT_PERCENT.fetch(customer_tier, 0) : 0
        if tier_percent.positive?
          rules << { "kind" => "tier", "code" => "TIER_#{customer_tier.upcase}", "percent" => tier_percent }
        end
        requested = rules.sum { |r| r["percent"] }
        percent = [requested, MAX_TOTAL_DISCOUNT_PERCENT].min
        total_cents = Numbers.percent_of(subtotal_cents, percent)
        {
          "subtotal" => Numbers.from_cents(subtotal_cents), "discounts" => split(rules, requested, total_cents),
          "discount_percent" => percent, "discount_total" => Numbers.from_cents(total_cents),
          "discounted_subtotal" => Numbers.from_cents(subtotal_cents - total_cents)
        }
      end

      # Splits the (possibly capped) total across the rules; the last absorbs rounding so lines add up.
      def split(rules, requested, total_cents)
        remaining = total_cents
        rules.each_with_index.map do |rule, i|
          cents = if i == rules.size - 1
                    remaining
                  else
                    Numbers.percent_of(total_cents,
                                       rule["percent"].to_f / requested * 100)
                  end
          remaining -= cents
          rule.merge("amount" => Numbers.from_cents(cents))
        end
      end

      # QT-000042 for check 42: a retried generate_quote produces the same number.
      def quote_number(check_id)
        "QT-#{check_id.to_s.rjust(6, '0')}"
      end

      # Quotes are priced before tax: the destination's tax is assessed by the compliance team.
      def quote_total(discounted_subtotal, shipping_cost)
        Numbers.from_cents(Numbers.to_cents(discounted_subtotal) + Numbers.to_cents(shipping_cost))
      end
    end
  end
end
