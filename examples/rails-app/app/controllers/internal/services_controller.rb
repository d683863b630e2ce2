# frozen_string_literal: true

module Internal
  # The downstream services the microservices workflow calls over HTTP: user profiles (customers)
  # and order history (orders). This app plays them under /internal; SERVICES_BASE_URL can point
  # the workflow at services hosted elsewhere.
  class ServicesController < ApplicationController
    USER_ID = /\A[A-Za-z0-9_-]{1,64}\z/
    # Deterministic fault: the profile service answers 503 to the first call of each request for
    # these customers, so tests and demos can prove retries end to end.
    FLAKY_PROFILE_CUSTOMERS = %w[cust-004-flaky].freeze

    before_action :check_user_id, except: :health

    def health
      render json: { status: "ok" }
    end

    def user
      if first_call_fault?
        return render json: { error: "user profile service is temporarily unavailable; retry the request" },
                      status: :service_unavailable
      end

      customer = Customer.find_by(id: params[:user_id]) or return unknown_customer
      render json: { user_id: customer.id, name: customer.name, email: customer.email, tier: customer.tier,
                     member_since: Numbers.iso(customer.created_at) }
    end

    def orders
      customer = Customer.find_by(id: params[:user_id]) or return unknown_customer
      rows = Order.where(customer_email: customer.email).order(created_at: :desc, id: :desc)
      render json: {
        user_id: params[:user_id],
        orders: rows.map do |o|
          # Orders whose price could not be computed (unknown sku) never charged anything.
          { id: o.id, total: o.total.to_f, status: o.status, item_count: o.items.sum { |i| i["quantity"] },
            created_at: Numbers.iso(o.created_at) }
        end
      }
    end

    private

    def check_user_id
      return if USER_ID.match?(params[:user_id].to_s)

      render json: { error: "user id #{params[:user_id].to_s.to_json} is malformed: " \
                            "use 1-64 letters, digits, '-' or '_' (e.g. cust-001)" }, status: :bad_request
    end

    def unknown_customer
      render json: { error: "no customer with id #{params[:user_id]}" }, status: :not_found
    end

    # True exactly once per (customer, request id): the call that gets the simulated outage. The
    # injected fault is written to audit_logs (its unique dedupe key makes it once-only, whichever
    # process serves the call), so operators can see why the call failed.
    def first_call_fault?
      request_id = request.headers[Microservices::REQUEST_ID_HEADER]
      return false if request_id.blank? || !FLAKY_PROFILE_CUSTOMERS.include?(params[:user_id])

      AuditLog.record_once(
        dedupe_key: "fault:user_profiles:first_call_503:#{request_id}", entity_type: "customer",
        entity_id: params[:user_id], action: "simulated_outage", actor: "user_profiles_service",
        details: { "request_id" => request_id, "status" => 503,
                   "rule" => "first call per request fails for flaky customers" }
      )
    end
  end
end
