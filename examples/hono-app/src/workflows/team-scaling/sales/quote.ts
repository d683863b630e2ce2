// Quote numbering, validity and totals. The number derives from the compliance check id, so a
// retried generate_quote step produces the same number (and the unique key stops a second row).
import { fromCents, toCents } from "../money.js";

export const DEFAULT_QUOTE_VALIDITY_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `QT-000042` for check 42; ids beyond six digits keep all their digits. */
export function quoteNumber(checkId: number): string {
  if (!Number.isSafeInteger(checkId) || checkId <= 0) {
    throw new RangeError(`quote numbers need a positive integer check id, got ${checkId}`);
  }
  return `QT-${String(checkId).padStart(6, "0")}`;
}

/** The moment a quote issued at `issuedAt` stops being valid. */
export function quoteExpiry(issuedAt: Date, validityDays = DEFAULT_QUOTE_VALIDITY_DAYS): Date {
  if (!Number.isInteger(validityDays) || validityDays < 1) {
    throw new RangeError(`quote validity must be a whole number of days >= 1, got ${validityDays}`);
  }
  return new Date(issuedAt.getTime() + validityDays * DAY_MS);
}

export function isQuoteExpired(expiresAt: Date, now: Date): boolean {
  return now.getTime() >= expiresAt.getTime();
}

/** Quotes are priced before tax: the destination's tax is assessed by the compliance team. */
export function quoteTotal(discountedSubtotal: number, shippingCost: number): number {
  return fromCents(toCents(discountedSubtotal) + toCents(shippingCost));
}
