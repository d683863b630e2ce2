# frozen_string_literal: true

module TeamScaling
  module Sales
    module Handlers
      # receive_order: acknowledge the order for its compliance check, one line per sku.
      class ReceiveOrder < ApplicationStepHandler
        handles "sales_rb.receive_order"

        def call(ctx)
          order = input(ctx, :check_id, :order_ref, :items, :destination)
          unless ComplianceCheck.exists?(id: order["check_id"])
            raise permanent("compliance check #{order['check_id']} does not exist", code: "check_not_found")
          end

          TeamScaling.normalize_lines(order["items"]).merge(
            "check_id" => order["check_id"], "order_ref" => order["order_ref"], "destination" => order["destination"],
            "coupon_code" => order["coupon_code"], "customer_id" => order["customer_id"]
          )
        end
      end
    end
  end
end
