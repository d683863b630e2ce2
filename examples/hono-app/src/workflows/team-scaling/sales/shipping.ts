// Shipping for a quote: the destination country picks a zone, the zone's rate card prices the
// total weight. Orders ship from the US warehouse, so the US is the domestic zone.
import { fromCents } from "../money.js";

export type ShippingZone = "domestic" | "north_america" | "europe" | "international";

const ZONE_BY_COUNTRY: Readonly<Record<string, ShippingZone>> = {
  US: "domestic",
  CA: "north_america",
  MX: "north_america",
  ...Object.fromEntries(
    [
      "GB",
      "IE",
      "FR",
      "DE",
      "NL",
      "BE",
      "LU",
      "ES",
      "PT",
      "IT",
      "AT",
      "CH",
      "DK",
      "SE",
      "NO",
      "FI",
      "PL",
      "CZ",
    ].map((c) => [c, "europe" as const]),
  ),
};

/** Rate card per zone: a fixed handling fee plus a price per kilogram, in cents. */
export const ZONE_RATES: Readonly<Record<ShippingZone, { baseCents: number; perKgCents: number }>> = {
  domestic: { baseCents: 599, perKgCents: 150 },
  north_america: { baseCents: 1299, perKgCents: 300 },
  europe: { baseCents: 1999, perKgCents: 450 },
  international: { baseCents: 2999, perKgCents: 700 },
};

export function zoneFor(country: string): ShippingZone {
  return ZONE_BY_COUNTRY[country.toUpperCase()] ?? "international";
}

export interface WeighedLine {
  sku: string;
  quantity: number;
  weight_kg: number;
}

export interface ShippingQuote {
  zone: ShippingZone;
  total_weight_kg: number;
  base_cost: number;
  weight_cost: number;
  shipping_cost: number;
}

/** Total weight of the lines (to the gram) and the shipping cost for `country`. */
export function calculateShipping(lines: readonly WeighedLine[], country: string): ShippingQuote {
  const grams = lines.reduce((sum, l) => sum + Math.round(l.weight_kg * 1000) * l.quantity, 0);
  const zone = zoneFor(country);
  const rate = ZONE_RATES[zone];
  const weightCents = Math.round((rate.perKgCents * grams) / 1000);
  return {
    zone,
    total_weight_kg: grams / 1000,
    base_cost: fromCents(rate.baseCents),
    weight_cost: fromCents(weightCents),
    shipping_cost: fromCents(rate.baseCents + weightCents),
  };
}
