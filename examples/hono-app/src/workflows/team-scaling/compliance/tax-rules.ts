// Import tax by destination. A region-level rule (US state, Canadian province) wins over the
// country rule; countries without a rule are assessed at 0% and say so, rather than guessing.
import { fromCents, toCents } from "../money.js";

export type TaxType = "sales_tax" | "vat" | "gst" | "hst" | "consumption_tax" | "none";

interface TaxRule {
  rate_percent: number;
  tax_type: TaxType;
}

const COUNTRY_RULES: Readonly<Record<string, TaxRule>> = {
  US: { rate_percent: 5, tax_type: "sales_tax" },
  CA: { rate_percent: 5, tax_type: "gst" },
  MX: { rate_percent: 16, tax_type: "vat" },
  GB: { rate_percent: 20, tax_type: "vat" },
  IE: { rate_percent: 23, tax_type: "vat" },
  DE: { rate_percent: 19, tax_type: "vat" },
  FR: { rate_percent: 20, tax_type: "vat" },
  NL: { rate_percent: 21, tax_type: "vat" },
  ES: { rate_percent: 21, tax_type: "vat" },
  IT: { rate_percent: 22, tax_type: "vat" },
  SE: { rate_percent: 25, tax_type: "vat" },
  JP: { rate_percent: 10, tax_type: "consumption_tax" },
  AU: { rate_percent: 10, tax_type: "gst" },
};

/** Keyed `COUNTRY-REGION` with ISO 3166-2 subdivision codes. */
const REGION_RULES: Readonly<Record<string, TaxRule>> = {
  "US-CA": { rate_percent: 7.25, tax_type: "sales_tax" },
  "US-NY": { rate_percent: 4, tax_type: "sales_tax" },
  "US-TX": { rate_percent: 6.25, tax_type: "sales_tax" },
  "US-WA": { rate_percent: 6.5, tax_type: "sales_tax" },
  "US-FL": { rate_percent: 6, tax_type: "sales_tax" },
  "US-OR": { rate_percent: 0, tax_type: "none" },
  "US-MT": { rate_percent: 0, tax_type: "none" },
  "US-NH": { rate_percent: 0, tax_type: "none" },
  "US-DE": { rate_percent: 0, tax_type: "none" },
  "CA-ON": { rate_percent: 13, tax_type: "hst" },
  "CA-NS": { rate_percent: 15, tax_type: "hst" },
  "CA-QC": { rate_percent: 14.975, tax_type: "gst" },
};

export interface TaxAssessment {
  jurisdiction: string;
  rule: "region" | "country" | "no_rule";
  tax_type: TaxType;
  rate_percent: number;
  taxable_value: number;
  tax_amount: number;
}

/** Tax owed on `taxableValue` shipped to `country`/`region` (region is optional). */
export function assessTax(
  country: string,
  region: string | null | undefined,
  taxableValue: number,
): TaxAssessment {
  const c = country.toUpperCase();
  const regionKey = region ? `${c}-${region.toUpperCase()}` : null;
  const regionRule = regionKey ? REGION_RULES[regionKey] : undefined;
  const countryRule = COUNTRY_RULES[c];
  const [jurisdiction, rule, found] = regionRule
    ? [regionKey!, "region" as const, regionRule]
    : countryRule
      ? [c, "country" as const, countryRule]
      : [c, "no_rule" as const, { rate_percent: 0, tax_type: "none" as const }];
  const cents = toCents(taxableValue);
  return {
    jurisdiction,
    rule,
    tax_type: found.tax_type,
    rate_percent: found.rate_percent,
    taxable_value: fromCents(cents),
    tax_amount: fromCents(Math.round((cents * found.rate_percent) / 100)),
  };
}
