import { describe, expect, it } from "vitest";
import { nameForms, words } from "./names.js";

describe("nameForms", () => {
  it("derives every spelling from Pascal, camel, snake or kebab case", () => {
    const expected = {
      snake: "validate_cart",
      kebab: "validate-cart",
      camel: "validateCart",
      pascal: "ValidateCart",
    };
    for (const name of ["ValidateCart", "validateCart", "validate_cart", "validate-cart"]) {
      expect(nameForms(name)).toEqual(expected);
    }
  });

  it("splits acronyms and digits sensibly", () => {
    expect(words("SendHTTPRequest")).toEqual(["send", "http", "request"]);
    expect(nameForms("Step2Go").snake).toBe("step2_go");
  });

  it("rejects names that cannot be identifiers, naming --name", () => {
    expect(() => nameForms("2fast")).toThrow(/--name "2fast" must start with a letter/);
    expect(() => nameForms("has space")).toThrow(/--name/);
  });
});
