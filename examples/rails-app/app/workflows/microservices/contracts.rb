# frozen_string_literal: true

module Microservices
  # The wire contracts of the internal downstream services: the services build their answers in
  # these shapes (Internal::ServicesController) and the callers check them with the same rules.
  module Contracts
    module_function

    def user_profile(json)
      fields(json, "user_id" => String, "name" => String, "email" => String, "tier" => String, "member_since" => String)
    end

    def order_history(json)
      problem = fields(json, "user_id" => String, "orders" => Array)
      return problem if problem

      json["orders"].each_with_index do |order, i|
        problem = fields(order, "id" => Integer, "total" => Numeric, "status" => String, "item_count" => Integer,
                                "created_at" => String)
        return "orders.#{i}: #{problem}" if problem
      end
      nil
    end

    def fields(json, types)
      return "(root): expected an object" unless json.is_a?(Hash)

      wrong = types.reject { |key, type| json[key].is_a?(type) }.keys
      wrong.empty? ? nil : wrong.map { |key| "#{key}: expected #{types[key].name.downcase}" }.join("; ")
    end
  end
end
