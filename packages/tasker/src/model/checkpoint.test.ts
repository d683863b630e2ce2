import { describe, expect, it } from "vitest";
import { checkCheckpoint, MAX_CHECKPOINT_BYTES } from "./checkpoint.js";

describe("checkCheckpoint", () => {
  it("accepts a JSON object and gives its text", () => {
    expect(checkCheckpoint({ cursor: 500, done: 3 })).toEqual({ ok: true, json: '{"cursor":500,"done":3}' });
  });

  it("refuses what is not an object", () => {
    for (const bad of [null, 5, "x", [1]]) {
      expect(checkCheckpoint(bad)).toMatchObject({
        ok: false,
        message: expect.stringMatching(/JSON object/),
      });
    }
  });

  it("refuses a checkpoint over the limit, saying both sizes", () => {
    const checked = checkCheckpoint({ cursor: "x".repeat(MAX_CHECKPOINT_BYTES) });
    expect(checked).toMatchObject({
      ok: false,
      message: expect.stringMatching(/65549 bytes.*limit is 65536/),
    });
  });

  it("refuses text PostgreSQL cannot store, naming the path", () => {
    expect(checkCheckpoint({ cursor: { key: "a\u0000b" } })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^checkpoint\.cursor\.key /),
    });
  });
});
