import { describe, expect, it } from "vitest";
import { decideCharge } from "./payment-gateway.js";

describe("decideCharge", () => {
  it("approves an ordinary token", () => {
    expect(decideCharge({ token: "tok_visa", amount: 75.22, attempt: 1 })).toEqual({ outcome: "approved" });
  });
  it("declines tok_declined with card_declined on every attempt", () => {
    for (const attempt of [1, 2, 3]) {
      expect(decideCharge({ token: "tok_declined", amount: 10, attempt })).toMatchObject({
        outcome: "declined",
        code: "card_declined",
      });
    }
  });
  it("times out tok_flaky on the first attempt only", () => {
    expect(decideCharge({ token: "tok_flaky", amount: 10, attempt: 1 })).toMatchObject({
      outcome: "unavailable",
    });
    expect(decideCharge({ token: "tok_flaky", amount: 10, attempt: 2 })).toEqual({ outcome: "approved" });
  });
  it("refuses more than 10,000 but allows exactly 10,000", () => {
    expect(decideCharge({ token: "tok_visa", amount: 10_000.01, attempt: 1 })).toMatchObject({
      outcome: "declined",
      code: "amount_limit_exceeded",
    });
    expect(decideCharge({ token: "tok_visa", amount: 10_000, attempt: 1 })).toEqual({ outcome: "approved" });
  });
});
