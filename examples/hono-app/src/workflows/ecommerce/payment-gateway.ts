// A simulated card gateway with deterministic behaviour, so tests and demos can trigger every
// path: `tok_declined` is declined, `tok_flaky` times out on the first attempt only, and charges
// above the limit are refused. Any other token is approved.

export const MAX_CHARGE = 10_000;
export const DECLINED_TOKEN = "tok_declined";
export const FLAKY_TOKEN = "tok_flaky";

export type GatewayDecision =
  | { outcome: "approved" }
  | { outcome: "declined"; code: "card_declined" | "amount_limit_exceeded"; message: string }
  | { outcome: "unavailable"; code: "gateway_timeout"; message: string };

export function decideCharge(request: { token: string; amount: number; attempt: number }): GatewayDecision {
  if (request.amount > MAX_CHARGE) {
    return {
      outcome: "declined",
      code: "amount_limit_exceeded",
      message: `charge of ${request.amount.toFixed(2)} exceeds the ${MAX_CHARGE.toFixed(2)} limit; split the order`,
    };
  }
  if (request.token === DECLINED_TOKEN) {
    return {
      outcome: "declined",
      code: "card_declined",
      message: "card_declined: the issuer declined the card",
    };
  }
  if (request.token === FLAKY_TOKEN && request.attempt === 1) {
    return {
      outcome: "unavailable",
      code: "gateway_timeout",
      message: "payment gateway timed out; will retry",
    };
  }
  return { outcome: "approved" };
}
