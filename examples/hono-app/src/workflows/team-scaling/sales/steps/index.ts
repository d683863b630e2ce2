import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../../lib/deps.js";
import { applyDiscountsHandler } from "./apply-discounts.js";
import { calculateShippingHandler } from "./calculate-shipping.js";
import { generateQuoteHandler } from "./generate-quote.js";
import { receiveOrderHandler } from "./receive-order.js";
import { validateItemsHandler } from "./validate-items.js";

/** Team A's handlers (namespace `sales`, templates/sales/quote_generation.yaml). */
export function salesHandlers(deps: AppDeps): StepHandler[] {
  return [
    receiveOrderHandler(deps),
    validateItemsHandler(deps),
    calculateShippingHandler(),
    applyDiscountsHandler(deps),
    generateQuoteHandler(deps),
  ];
}
