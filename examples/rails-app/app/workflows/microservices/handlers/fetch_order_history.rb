# frozen_string_literal: true

module Microservices
  module Handlers
    # fetch_order_history: GET {services}/users/:id/orders over HTTP, in parallel with the profile.
    class FetchOrderHistory < ApplicationStepHandler
      handles "microservices_rb.fetch_order_history"

      def call(ctx)
        request = input(ctx, :service_request_id, :user_id)
        history = DownstreamCall.get(
          service: "order_history",
          url: "#{Microservices.services_base_url}/users/#{ERB::Util.url_encode(request['user_id'])}/orders",
          contract: Contracts.method(:order_history), timeout_ms: FetchUserProfile.call_timeout_ms(ctx),
          headers: { REQUEST_ID_HEADER => Microservices.downstream_request_id(request["service_request_id"]) }
        )
        { "service" => "order_history", "user_id" => history["user_id"], "orders" => history["orders"],
          "attempt" => ctx.attempt }
      end
    end
  end
end
