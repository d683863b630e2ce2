# frozen_string_literal: true

module Microservices
  module Handlers
    # merge_results: profile + order statistics, from the two fetch steps' results.
    class MergeResults < ApplicationStepHandler
      handles "microservices_rb.merge_results"

      def call(ctx)
        profile = dependency(ctx, "fetch_user_profile", :profile)["profile"]
        history = dependency(ctx, "fetch_order_history", :user_id, :orders)
        CustomerView.merge(profile, history)
      rescue ArgumentError => e
        raise permanent(e.message, code: "inconsistent_downstream_data")
      end
    end
  end
end
