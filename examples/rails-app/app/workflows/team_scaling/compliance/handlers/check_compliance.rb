# frozen_string_literal: true

module TeamScaling
  module Compliance
    module Handlers
      # check_compliance: an embargoed destination or restricted / unknown skus end the review, with
      # every reason in the error (a permanent failure: asking again gives the same answer).
      class CheckCompliance < ApplicationStepHandler
        handles "compliance_rb.check_compliance"

        def call(ctx)
          order = input(ctx, :items, :destination)
          lines = TeamScaling.normalize_lines(order["items"])["lines"]
          restricted = Product.where(sku: lines.map { |l| l["sku"] }).pluck(:sku, :restricted).to_h
          embargoes = EmbargoedCountry.pluck(:country_code, :reason).to_h
          verdict = Rules.screen(lines.map { |l| l.merge("restricted" => restricted[l["sku"]]) },
                                 order["destination"]["country"], embargoes)
          unless verdict["approved"]
            raise permanent(Rules.describe(verdict["violations"]), code: "compliance_violation",
                                                                   metadata: { "violations" => verdict["violations"] })
          end

          verdict
        end
      end
    end
  end
end
