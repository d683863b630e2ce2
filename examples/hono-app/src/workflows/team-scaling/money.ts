// Money is computed in integer cents so sums and percentages never drift; it leaves the domain
// as a number with two decimals (the shape the API and the decimal(10,2) columns expect).

/** Parses a price such as `"29.99"` or `29.99` into cents; throws naming the value when it is not money. */
export function toCents(amount: string | number): number {
  const value = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(value)) throw new TypeError(`not an amount of money: ${JSON.stringify(amount)}`);
  return Math.round(value * 100);
}

export function fromCents(cents: number): number {
  return Math.round(cents) / 100;
}

/** `percent` of `cents`, rounded half-up to the cent. */
export function percentOf(cents: number, percent: number): number {
  return Math.round((cents * percent) / 100);
}
