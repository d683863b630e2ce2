# frozen_string_literal: true

module Microservices
  module Handlers
    # format_response: shape the answer for the request type and store it on the service request.
    # Writing the same result again is harmless, so a retried step is idempotent.
    class FormatResponse < ApplicationStepHandler
      handles "microservices_rb.format_response"

      def call(ctx)
        request = input(ctx, :service_request_id, :request_type)
        view = dependency(ctx, "merge_results", :profile, :order_stats)
        response = CustomerView.format(request["request_type"], view)
        saved = ServiceRequest.where(id: request["service_request_id"]).update_all(result: response,
                                                                                   updated_at: Time.current)
        if saved.zero?
          raise permanent("service request #{request['service_request_id']} disappeared before its result was saved",
                          code: "service_request_not_found")
        end
        { "service_request_id" => request["service_request_id"], "request_type" => request["request_type"],
          "response" => response }
      end
    end
  end
end
