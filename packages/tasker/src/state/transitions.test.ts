import { describe, expect, it } from "vitest";
import { assertStepTransition, assertTaskTransition, IllegalTransitionError } from "./transitions.js";

describe("IllegalTransitionError", () => {
  it("is an Error that names the machine, the state and the event", () => {
    const err = new IllegalTransitionError("step", "complete", "claim");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("IllegalTransitionError");
    expect(err.message).toBe('illegal step transition: event "claim" is not allowed from state "complete"');
    expect(err.stack).toContain("IllegalTransitionError");
  });

  it("is what the assert helpers throw, and the legal result otherwise", () => {
    expect(() => assertTaskTransition("complete", "start")).toThrow(
      'illegal task transition: event "start" is not allowed from state "complete"',
    );
    expect(() => assertStepTransition("pending", "claim")).toThrow(IllegalTransitionError);
    expect(assertTaskTransition("pending", "start")).toBe("initializing");
    expect(assertStepTransition("enqueued", "claim")).toBe("in_progress");
  });
});
