import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeValue, friendlyIssueMessage } from "./issue-messages.js";

function messageFor(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value, { error: friendlyIssueMessage });
  if (result.success) throw new Error("expected a failure");
  return result.error.issues[0]!.message;
}

describe("friendlyIssueMessage", () => {
  it("says a missing value is required", () => {
    expect(messageFor(z.object({ a: z.string() }), {})).toBe("is required (expected a string)");
  });

  it("names the expected type and what was found", () => {
    expect(messageFor(z.number().int(), "ten")).toBe('expected a number, got "ten"');
    expect(messageFor(z.number().int(), 1.5)).toBe("expected an integer, got 1.5");
    expect(messageFor(z.boolean(), "yes")).toBe('expected true or false, got "yes"');
    expect(messageFor(z.array(z.string()), "a,b")).toBe('expected a list, got "a,b"');
    expect(messageFor(z.object({}), [])).toBe("expected an object, got a list");
  });

  it("explains bounds", () => {
    expect(messageFor(z.number().min(1), 0)).toBe("must be >= 1, got 0");
    expect(messageFor(z.number().max(100), 101)).toBe("must be <= 100, got 101");
    expect(messageFor(z.number().positive(), 0)).toBe("must be > 0, got 0");
    expect(messageFor(z.array(z.string()).min(1), [])).toBe("needs at least 1 item(s)");
    expect(messageFor(z.string().min(1), "")).toBe("must not be empty");
  });

  it("lists allowed values", () => {
    expect(messageFor(z.enum(["postgres", "rabbitmq"]), "kafka")).toBe(
      'must be one of "postgres", "rabbitmq", got "kafka"',
    );
  });

  it("keeps messages set on the schema", () => {
    expect(messageFor(z.string().regex(/^a$/, "must be the letter a"), "b")).toBe("must be the letter a");
  });
});

describe("describeValue", () => {
  it("shortens long strings and never dumps objects", () => {
    expect(describeValue("x".repeat(100))).toHaveLength(62);
    expect(describeValue({ secret: 1 })).toBe("an object");
    expect(describeValue(null)).toBe("null (an empty value)");
  });
});
