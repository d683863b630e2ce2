import { describe, expect, it } from "vitest";
import { nameForms } from "./names.js";
import { callableOf, stepHandlerSource, stepHandlerTestSource } from "./step-handler-source.js";

const scaffold = {
  names: nameForms("ValidateCart"),
  namespace: "ecommerce",
  importFrom: "@tasker-ts/tasker",
};

describe("step handler scaffold", () => {
  it("registers under namespace.snake_name, or the bare name without a namespace", () => {
    expect(callableOf(scaffold)).toBe("ecommerce.validate_cart");
    expect(callableOf({ names: scaffold.names })).toBe("validate_cart");
  });

  it("defines a typed handler with a Zod inputs schema and shows both error kinds", () => {
    const source = stepHandlerSource(scaffold);
    expect(source).toContain('export const validateCart = defineHandler(\n  "ecommerce.validate_cart",');
    expect(source).toContain("{ inputs: ValidateCartInputs }");
    expect(source).toContain("throw new PermanentError(");
    expect(source).toMatch(/\/\/ +throw new RetryableError\(/);
    expect(source).toContain('from "@tasker-ts/tasker"');
  });

  it("tests the handler through handle() with a full step context", () => {
    const test = stepHandlerTestSource(scaffold);
    expect(test).toContain('import { validateCart } from "./validate-cart.js";');
    expect(test).toContain("validateCart.handle(contextFor(");
    for (const key of [
      "taskUuid",
      "stepUuid",
      "dependencyResults",
      "attempt",
      "initialization",
      "signal",
      "logger",
    ]) {
      expect(test).toContain(`${key}`);
    }
  });
});
