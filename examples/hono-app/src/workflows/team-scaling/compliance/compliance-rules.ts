// Export screening: an order may not ship to an embargoed country, and export-controlled items
// (catalog `restricted`) may not ship without a licence, which this shop does not hold.
// The embargo list comes from the `embargoed_countries` table (ISO-2 -> reason).

export interface ScreenedItem {
  sku: string;
  quantity: number;
  /** `null` when the sku is not in the catalog (it cannot be screened). */
  restricted: boolean | null;
}

export interface Violation {
  code: "embargoed_destination" | "restricted_item" | "unknown_item";
  subject: string;
  reason: string;
}

export interface ComplianceVerdict {
  approved: boolean;
  destination_country: string;
  screened_skus: string[];
  violations: Violation[];
}

export function screenOrder(
  items: readonly ScreenedItem[],
  destinationCountry: string,
  embargoes: ReadonlyMap<string, string>,
): ComplianceVerdict {
  const country = destinationCountry.toUpperCase();
  const violations: Violation[] = [];
  const embargo = embargoes.get(country);
  if (embargo !== undefined) {
    violations.push({
      code: "embargoed_destination",
      subject: country,
      reason: `destination ${country} is under embargo (${embargo}); no goods may ship there`,
    });
  }
  for (const item of items) {
    if (item.restricted === null) {
      violations.push({
        code: "unknown_item",
        subject: item.sku,
        reason: `sku ${item.sku} is not in the catalog, so it cannot be screened`,
      });
    } else if (item.restricted) {
      violations.push({
        code: "restricted_item",
        subject: item.sku,
        reason: `sku ${item.sku} is export-controlled and needs a licence this shop does not hold`,
      });
    }
  }
  return {
    approved: violations.length === 0,
    destination_country: country,
    screened_skus: items.map((i) => i.sku),
    violations,
  };
}

/** One line naming every violation, for the step error and the check's `error`. */
export function describeViolations(violations: readonly Violation[]): string {
  return `compliance check failed: ${violations.map((v) => v.reason).join("; ")}`;
}
