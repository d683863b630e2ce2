import { describe, expect, it } from "vitest";
import { z } from "zod";
import { findUnknownKeys } from "./unknown-keys.js";

const Schema = z.object({
  name: z.string(),
  retry: z.object({ max_attempts: z.number().default(1) }).prefault({}),
  steps: z.array(z.object({ name: z.string() }).transform((s) => s)).default([]),
  environments: z.record(z.string(), z.object({ timeout: z.number().optional() })).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  loose: z.looseObject({ a: z.number() }).optional(),
});

describe("findUnknownKeys", () => {
  it("finds unknown keys at every level, with suggestions", () => {
    const found = findUnknownKeys(
      {
        name: "x",
        retyr: 1,
        retry: { max_attempt: 2 },
        steps: [{ name: "a" }, { name: "b", handlr: {} }],
        environments: { test: { timeout: 1, extra: true } },
      },
      Schema,
    );
    expect(found).toEqual([
      { path: ["retyr"], suggestions: ["retry"] },
      { path: ["retry", "max_attempt"], suggestions: ["max_attempts"] },
      { path: ["steps", 1, "handlr"], suggestions: [] },
      { path: ["environments", "test", "extra"], suggestions: [] },
    ]);
  });

  it("does not inspect free-form records or loose objects", () => {
    expect(
      findUnknownKeys({ name: "x", metadata: { anything: { goes: 1 } }, loose: { a: 1, b: 2 } }, Schema),
    ).toEqual([]);
  });

  it("ignores values of the wrong type (validation reports those)", () => {
    expect(findUnknownKeys({ retry: "often", steps: "none" }, Schema)).toEqual([]);
  });
});
