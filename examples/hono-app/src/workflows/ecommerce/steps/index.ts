import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { generateInvoiceHandler } from "./generate-invoice.js";
import { processPaymentHandler } from "./process-payment.js";
import { sendConfirmationHandler } from "./send-confirmation.js";
import { updateInventoryHandler } from "./update-inventory.js";
import { validateInventoryHandler } from "./validate-inventory.js";

/** The handlers of templates/ecommerce/order_processing.yaml, one per step. */
export function ecommerceHandlers(deps: AppDeps): StepHandler[] {
  return [
    validateInventoryHandler(deps),
    processPaymentHandler(deps),
    updateInventoryHandler(deps),
    sendConfirmationHandler(deps),
    generateInvoiceHandler(deps),
  ];
}
