// check_compliance: embargoed destination or restricted / unknown skus end the review, with
// every reason in the error (a permanent failure: asking again gives the same answer).
import { defineHandler, PermanentError } from "@tasker-ts/tasker";
import { catalogLookup } from "../../../../db/catalog.js";
import { embargoed_countries } from "../../../../db/schema.js";
import type { AppDeps } from "../../../../lib/deps.js";
import { normalizeOrderLines } from "../../sales/order-lines.js";
import { CheckTaskContextSchema } from "../../schemas.js";
import { describeViolations, screenOrder } from "../compliance-rules.js";

export function checkComplianceHandler({ db }: AppDeps) {
  const lookUpCatalog = catalogLookup(db);
  return defineHandler(
    "compliance.check_compliance",
    { inputs: CheckTaskContextSchema },
    async ({ input }) => {
      const { lines } = normalizeOrderLines(input.items);
      const [catalog, embargoRows] = await Promise.all([
        lookUpCatalog(lines.map((l) => l.sku)),
        db.select().from(embargoed_countries),
      ]);
      const verdict = screenOrder(
        lines.map((l) => ({ ...l, restricted: catalog.get(l.sku)?.restricted ?? null })),
        input.destination.country,
        new Map(embargoRows.map((e) => [e.country_code, e.reason])),
      );
      if (!verdict.approved) {
        throw new PermanentError(describeViolations(verdict.violations), {
          code: "compliance_violation",
          metadata: { violations: verdict.violations },
        });
      }
      return verdict;
    },
  );
}
