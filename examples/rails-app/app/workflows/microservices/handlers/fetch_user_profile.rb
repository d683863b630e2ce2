# frozen_string_literal: true

module Microservices
  module Handlers
    # fetch_user_profile: GET {services}/users/:id over HTTP (404 permanent, 5xx/timeout retryable).
    class FetchUserProfile < ApplicationStepHandler
      handles "microservices_rb.fetch_user_profile"

      def call(ctx)
        request = input(ctx, :service_request_id, :user_id)
        profile = DownstreamCall.get(
          service: "user_profiles",
          url: "#{Microservices.services_base_url}/users/#{ERB::Util.url_encode(request['user_id'])}",
          contract: Contracts.method(:user_profile), timeout_ms: self.class.call_timeout_ms(ctx),
          headers: { REQUEST_ID_HEADER => Microservices.downstream_request_id(request["service_request_id"]) }
        )
        { "service" => "user_profiles", "profile" => profile, "attempt" => ctx.attempt }
      end

      # `handler.initialization.call_timeout_ms` from the template, else the default; never past the step's deadline.
      def self.call_timeout_ms(ctx)
        value = ctx.initialization["call_timeout_ms"]
        configured = value.is_a?(Numeric) && value.positive? ? value : DownstreamCall::DEFAULT_TIMEOUT_MS
        [configured, (ctx.remaining_seconds * 1000).floor].min.clamp(1, nil)
      end
    end
  end
end
