# frozen_string_literal: true

module Microservices
  module Handlers
    # validate_request: the task's context must describe the service_requests row it belongs to.
    class ValidateRequest < ApplicationStepHandler
      handles "microservices_rb.validate_request"

      def call(ctx)
        request = input(ctx, :service_request_id, :user_id, :request_type)
        row = ServiceRequest.find_by(id: request["service_request_id"]) or
          raise permanent("service request #{request['service_request_id']} does not exist in service_requests",
                          code: "service_request_not_found")
        if row.user_id != request["user_id"] || row.request_type != request["request_type"]
          raise permanent("task context (#{request['user_id']}, #{request['request_type']}) does not match service " \
                          "request #{row.id} (#{row.user_id}, #{row.request_type})", code: "context_mismatch")
        end
        { "service_request_id" => row.id, "user_id" => row.user_id, "request_type" => row.request_type,
          "valid" => true }
      end
    end
  end
end
