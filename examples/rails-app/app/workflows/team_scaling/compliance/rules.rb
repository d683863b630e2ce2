# frozen_string_literal: true

module TeamScaling
  module Compliance
    # Team B's rules: export screening (embargoed destinations from the embargoed_countries table,
    # export-controlled skus) and import tax by destination (a region rule wins over the country's).
    module Rules
      COUNTRY_TAX = {
        "US" => [5, "sales_tax"], "CA" => [5, "gst"], "MX" => [16, "vat"], "GB" => [20, "vat"], "IE" => [23, "vat"],
        "DE" => [19, "vat"], "FR" => [20, "vat"], "NL" => [21, "vat"], "ES" => [21, "vat"], "IT" => [22, "vat"],
        "SE" => [25, "vat"], "JP" => [10, "consumption_tax"], "AU" => [10, "gst"]
      }.freeze
      # Keyed COUNTRY-REGION with ISO 3166-2 subdivision codes.
      REGION_TAX = {
        "US-CA" => [7.25, "sales_tax"], "US-NY" => [4, "sales_tax"], "US-TX" => [6.25, "sales_tax"],
        "US-WA" => [6.5, "sales_tax"], "US-FL" => [6, "sales_tax"], "US-OR" => [0, "none"], "US-MT" => [0, "none"],
        "US-NH" => [0, "none"], "US-DE" => [0, "none"], "CA-ON" => [13, "hst"], "CA-NS" => [15, "hst"],
        "CA-QC" => [14.975, "gst"]
      }.freeze

      module_function

      # `items`: [{sku, quantity, restricted (nil when the sku is not in the catalog)}].
      def screen(items, destination_country, embargoes)
        country = destination_country.upcase
        violations = []
        if embargoes.key?(country)
          reason = "destination #{country} is under embargo (#{embargoes[country]}); no goods may ship there"
          violations << { "code" => "embargoed_destination", "subject" => country, "reason" => reason }
        end
        items.each do |item|
          if item["restricted"].nil?
            violations << { "code" => "unknown_item", "subject" => item["sku"],
                            "reason" => "sku #{item['sku']} is not in the catalog, so it cannot be screened" }
          elsif item["restricted"]
            reason = "sku #{item['sku']} is export-controlled and needs a licence this shop does not hold"
            violations << { "code" => "restricted_item", "subject" => item["sku"], "reason" => reason }
          end
        end
        { "approved" => violations.empty?, "destination_country" => country,
          "screened_skus" => items.map { |i| i["sku"] }, "violations" => violations }
      end

      def describe(violations)
        "compliance check failed: #{violations.map { |v| v['reason'] }.join('; ')}"
      end

      # Tax owed on `taxable_value` shipped to `country` / `region` (region optional).
      def assess_tax(country, region, taxable_value)
        c = country.upcase
        region_key = region ? "#{c}-#{region.upcase}" : nil
        jurisdiction, rule, (rate, type) =
          if region_key && REGION_TAX[region_key] then [region_key, "region", REGION_TAX[region_key]]
          elsif COUNTRY_TAX[c] then [c, "country", COUNTRY_TAX[c]]
          else
            [c, "no_rule", [0, "none"]]
          end
        cents = Numbers.to_cents(taxable_value)
        tax_cents = Numbers.round_half_up(cents * rate / 100.0)
        { "jurisdiction" => jurisdiction, "rule" => rule, "tax_type" => type, "rate_percent" => rate,
          "taxable_value" => Numbers.from_cents(cents), "tax_amount" => Numbers.from_cents(tax_cents) }
      end
    end
  end
end
