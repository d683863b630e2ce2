import { describe, expect, it } from "vitest";
import { defineHandler } from "./handler.js";
import { HandlerRegistry } from "./handler-registry.js";

describe("HandlerRegistry.missing", () => {
  it("fails a claim no handler serves for good, naming the callable, the worker and what is registered", () => {
    const registry = new HandlerRegistry().register(
      defineHandler("shop.b", {}, async () => ({})),
      defineHandler("shop.a", {}, async () => ({})),
    );
    const outcome = registry.missing("shop.c", "w-1");
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: "handler_missing", kind: "handler_missing", retryable: false, retry_after_ms: null },
    });
    expect(!outcome.ok && outcome.error.message).toBe(
      'no handler is registered for callable "shop.c" on worker w-1; register it (registered: shop.a, shop.b)',
    );
    const none = new HandlerRegistry().missing("x", "w");
    expect(!none.ok && none.error.message).toContain("(registered: none)");
  });
});
