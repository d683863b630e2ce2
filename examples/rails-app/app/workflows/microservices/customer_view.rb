# frozen_string_literal: true

module Microservices
  # merge_results and format_response: one view of the customer from the two services, shaped for
  # the request type. Failed and cancelled orders were never charged, so they do not count.
  module CustomerView
    RECENT_ORDER_LIMIT = 5
    NOT_CHARGED = %w[failed cancelled].freeze
    HIGH_VALUE_SPEND = 1000
    LOYAL_ORDER_COUNT = 3

    module_function

    def order_stats(orders)
      counted = orders.reject { |o| NOT_CHARGED.include?(o["status"]) }
      cents = counted.sum { |o| Numbers.round_half_up(o["total"].to_f * 100) }
      times = counted.map { |o| o["created_at"] }.sort_by { |t| Time.iso8601(t) }
      {
        "order_count" => counted.size, "total_spent" => cents / 100.0,
        "average_order_value" => counted.empty? ? 0 : Numbers.round_half_up(cents.to_f / counted.size) / 100.0,
        "first_order_at" => times.first, "last_order_at" => times.last, "excluded_orders" => orders.size - counted.size
      }
    end

    # Raises ArgumentError when the two services answered about different people.
    def merge(profile, history)
      if profile["user_id"] != history["user_id"]
        raise ArgumentError,
              "profile is for #{profile['user_id']} but order history is for #{history['user_id']}; refusing to merge"
      end

      recent = history["orders"].sort_by do |o|
        [-Time.iso8601(o["created_at"]).to_r, -o["id"]]
      end.first(RECENT_ORDER_LIMIT)
      { "user_id" => profile["user_id"], "profile" => profile.except("user_id"),
        "order_stats" => order_stats(history["orders"]),
        "recent_orders" => recent.map { |o| o.slice("id", "total", "status", "created_at") } }
    end

    def segment(view)
      stats = view["order_stats"]
      return "new" if stats["order_count"].zero?
      return "high_value" if stats["total_spent"] >= HIGH_VALUE_SPEND
      return "loyal" if stats["order_count"] >= LOYAL_ORDER_COUNT

      "occasional"
    end

    def format(request_type, view)
      base = { "request_type" => request_type, "user_id" => view["user_id"] }
      stats = view["order_stats"]
      case request_type
      when "profile_summary" then base.merge(view["profile"])
      when "order_summary"
        base.merge(stats.slice("order_count", "total_spent", "average_order_value", "last_order_at"))
            .merge("recent_orders" => view["recent_orders"])
      else
        base.merge("profile" => view["profile"], "order_stats" => stats, "recent_orders" => view["recent_orders"],
                   "customer_segment" => segment(view))
      end
    end
  end
end
