# frozen_string_literal: true

# Workflow 3: microservices coordination (diamond), namespace microservices_rb.
# validate_request -> (fetch_user_profile | fetch_order_history) -> merge_results -> format_response
module Microservices
  NAMESPACE = "microservices_rb"
  NAMESPACES = [NAMESPACE].freeze
  TEMPLATE = { namespace: NAMESPACE, name: "user_request", version: "1.0.0" }.freeze
  # The x-request-id header the fetch steps send, so downstream logs (and faults) are per request.
  REQUEST_ID_HEADER = "x-request-id"

  def self.handler_classes
    [Handlers::ValidateRequest, Handlers::FetchUserProfile, Handlers::FetchOrderHistory,
     Handlers::MergeResults, Handlers::FormatResponse]
  end

  def self.task_request(row)
    TEMPLATE.merge(
      context: { "service_request_id" => row.id, "user_id" => row.user_id, "request_type" => row.request_type },
      initiator: "rails-app", source_system: "rails-app",
      reason: "service request #{row.id}: #{row.request_type} for #{row.user_id}",
      tags: ["microservices", row.request_type]
    )
  end

  def self.downstream_request_id(service_request_id)
    "service-request-#{service_request_id}"
  end

  # Where the user-profile and order-history services live (SERVICES_BASE_URL), without a trailing slash.
  def self.services_base_url
    Rails.configuration.x.services_base_url.to_s.chomp("/")
  end
end
