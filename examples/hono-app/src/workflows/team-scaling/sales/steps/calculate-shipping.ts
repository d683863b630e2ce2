// calculate_shipping: total weight priced with the destination zone's rate card.
import { defineHandler } from "@tasker-ts/tasker";
import { ReceivedOrderSchema, ValidatedItemsSchema } from "../schemas.js";
import { calculateShipping } from "../shipping.js";

export function calculateShippingHandler() {
  return defineHandler(
    "sales.calculate_shipping",
    { depends: { receive_order: ReceivedOrderSchema, validate_items: ValidatedItemsSchema } },
    async ({ dependencyResults }) => {
      const { destination } = dependencyResults.receive_order;
      return {
        destination_country: destination.country,
        ...calculateShipping(dependencyResults.validate_items.lines, destination.country),
      };
    },
  );
}
