# frozen_string_literal: true

Rails.application.routes.draw do
  get "/health", to: "health#show"
  get "/products", to: "products#index"

  post "/orders", to: "orders#create"
  post "/orders/async", to: "orders#create_async"
  get "/orders/:id", to: "orders#show"

  post "/analytics/jobs", to: "analytics_jobs#create"
  get "/analytics/jobs/:id", to: "analytics_jobs#show"

  post "/services/requests", to: "service_requests#create"
  get "/services/requests/:id", to: "service_requests#show"

  post "/compliance/checks", to: "compliance_checks#create"
  get "/compliance/checks/:id", to: "compliance_checks#show"

  # The downstream services of the microservices workflow (see SERVICES_BASE_URL).
  scope "/internal", controller: "internal/services" do
    get "/health", action: :health
    get "/users/:user_id", action: :user, constraints: { user_id: %r{[^/]+} }
    get "/users/:user_id/orders", action: :orders, constraints: { user_id: %r{[^/]+} }
  end

  match "*path", to: "application#route_not_found", via: :all, format: false
  match "/", to: "application#route_not_found", via: :all
end
