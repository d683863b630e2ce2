// Discounts for a quote. Each rule contributes a percentage of the merchandise subtotal
// (shipping is never discounted); percentages add up and are capped so stacking coupons on a
// large gold-tier order cannot give the goods away.
import { fromCents, percentOf } from "../money.js";

export const VOLUME_THRESHOLD_UNITS = 10;
export const VOLUME_DISCOUNT_PERCENT = 5;
export const MAX_TOTAL_DISCOUNT_PERCENT = 25;

/** Loyalty discount by customer tier; tiers not listed get none. */
export const TIER_DISCOUNT_PERCENT: Readonly<Record<string, number>> = { gold: 5, silver: 3, standard: 0 };

export interface Coupon {
  code: string;
  percent: number;
}

export interface DiscountInput {
  subtotalCents: number;
  totalUnits: number;
  coupon: Coupon | null;
  customerTier: string | null;
}

export interface AppliedDiscount {
  kind: "volume" | "coupon" | "tier";
  code: string;
  percent: number;
  amount: number;
}

export interface DiscountResult {
  subtotal: number;
  discounts: AppliedDiscount[];
  discount_percent: number;
  discount_total: number;
  discounted_subtotal: number;
}

export function applyDiscounts(input: DiscountInput): DiscountResult {
  const rules: Omit<AppliedDiscount, "amount">[] = [];
  if (input.totalUnits >= VOLUME_THRESHOLD_UNITS) {
    rules.push({
      kind: "volume",
      code: `VOLUME_${VOLUME_THRESHOLD_UNITS}`,
      percent: VOLUME_DISCOUNT_PERCENT,
    });
  }
  if (input.coupon && input.coupon.percent > 0) {
    rules.push({ kind: "coupon", code: input.coupon.code, percent: input.coupon.percent });
  }
  const tierPercent = input.customerTier ? (TIER_DISCOUNT_PERCENT[input.customerTier] ?? 0) : 0;
  if (tierPercent > 0)
    rules.push({ kind: "tier", code: `TIER_${input.customerTier!.toUpperCase()}`, percent: tierPercent });

  const requested = rules.reduce((sum, r) => sum + r.percent, 0);
  const percent = Math.min(requested, MAX_TOTAL_DISCOUNT_PERCENT);
  const totalCents = percentOf(input.subtotalCents, percent);
  // Split the (possibly capped) total across the rules; the last absorbs rounding so lines add up.
  let remaining = totalCents;
  const discounts = rules.map((rule, i) => {
    const cents =
      i === rules.length - 1 ? remaining : percentOf(totalCents, (rule.percent / requested) * 100);
    remaining -= cents;
    return { ...rule, amount: fromCents(cents) };
  });
  return {
    subtotal: fromCents(input.subtotalCents),
    discounts,
    discount_percent: percent,
    discount_total: fromCents(totalCents),
    discounted_subtotal: fromCents(input.subtotalCents - totalCents),
  };
}
