# frozen_string_literal: true

module Ecommerce
  # A simulated card gateway with deterministic behaviour, so tests and demos can trigger every
  # path: `tok_declined` is declined, `tok_flaky` times out on the first attempt only, and charges
  # above the limit are refused. Any other token is approved.
  module PaymentGateway
    MAX_CHARGE = 10_000
    DECLINED_TOKEN = "tok_declined"
    FLAKY_TOKEN = "tok_flaky"

    Decision = Struct.new(:outcome, :code, :message, keyword_init: true)

    module_function

    def decide(token:, amount:, attempt:)
      if amount > MAX_CHARGE
        message = "charge of #{format('%.2f', amount)} exceeds the #{format('%.2f', MAX_CHARGE)} limit; split the order"
        return Decision.new(outcome: :declined, code: "amount_limit_exceeded", message: message)
      end
      if token == DECLINED_TOKEN
        return Decision.new(outcome: :declined, code: "card_declined",
                            message: "card_declined: the issuer declined the card")
      end
      if token == FLAKY_TOKEN && attempt == 1
        return Decision.new(outcome: :unavailable, code: "gateway_timeout",
                            message: "payment gateway timed out; will retry")
      end

      Decision.new(outcome: :approved)
    end
  end
end
