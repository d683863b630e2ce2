import { describe, expect, it } from "vitest";
import { parseCancelForm, parseResultJson, parseStepActionForm } from "./forms.js";

describe("parseStepActionForm", () => {
  it("builds each action as the API takes it, naming who acted", () => {
    expect(
      parseStepActionForm({ action_type: "reset_for_retry", reason: " fixed " }, "ops (dashboard)"),
    ).toEqual({
      ok: true,
      value: { action_type: "reset_for_retry", reason: "fixed", reset_by: "ops (dashboard)" },
    });
    expect(parseStepActionForm({ action_type: "resolve_manually", reason: "n/a" }, "ops")).toEqual({
      ok: true,
      value: { action_type: "resolve_manually", reason: "n/a", resolved_by: "ops" },
    });
    expect(
      parseStepActionForm(
        { action_type: "complete_manually", reason: "by hand", result: '{"ok": true}' },
        "ops",
      ),
    ).toEqual({
      ok: true,
      value: {
        action_type: "complete_manually",
        reason: "by hand",
        completed_by: "ops",
        completion_data: { result: { ok: true } },
      },
    });
  });

  it("names the field and the fix for bad input", () => {
    const message = (form: Record<string, unknown>) => {
      const r = parseStepActionForm(form, "ops");
      return r.ok ? "" : r.message;
    };
    expect(message({ action_type: "delete", reason: "x" })).toMatch(
      /^action_type: must be one of reset_for_retry/,
    );
    expect(message({ action_type: "reset_for_retry" })).toMatch(/^reason: write why/);
    expect(message({ action_type: "reset_for_retry", reason: "   " })).toMatch(/^reason: write why/);
    expect(message({ action_type: "reset_for_retry", reason: "x".repeat(1001) })).toBe(
      "reason: at most 1,000 characters",
    );
    expect(message({ action_type: "complete_manually", reason: "x", result: "{nope" })).toMatch(
      /^result: not valid JSON \(.*\); write e\.g\. \{"charged": true\} or null$/,
    );
  });

  it("names the field holding text PostgreSQL cannot store", () => {
    const message = (form: Record<string, unknown>) => {
      const r = parseStepActionForm(form, "ops");
      return r.ok ? "" : r.message;
    };
    expect(message({ action_type: "resolve_manually", reason: "a\u0000b" })).toMatch(
      /^reason: must not contain NUL characters/,
    );
    expect(message({ action_type: "reset_for_retry", reason: "x\ud800" })).toMatch(
      /^reason: must not contain NUL characters \(\\u0000\) or unpaired UTF-16 surrogates/,
    );
    expect(
      message({ action_type: "complete_manually", reason: "x", result: '{"a": ["ok", "\\u0000"]}' }),
    ).toBe("result.a.1: contains a NUL character (\\u0000), which PostgreSQL cannot store");
    expect(message({ action_type: "complete_manually", reason: "x", result: '"\\ud800"' })).toMatch(
      /^result: contains an unpaired UTF-16 surrogate/,
    );
  });
});

describe("parseResultJson", () => {
  it("reads JSON, an empty box as null, and refuses absurd nesting before parsing", () => {
    expect(parseResultJson(" [1, 2] ")).toEqual({ ok: true, value: [1, 2] });
    expect(parseResultJson("")).toEqual({ ok: true, value: null });
    expect(parseResultJson(undefined)).toEqual({ ok: true, value: null });
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    expect(parseResultJson(deep)).toEqual({
      ok: false,
      message: "result: nested deeper than 10 levels; flatten it",
    });
  });
});

describe("parseCancelForm", () => {
  it("takes an optional reason", () => {
    expect(parseCancelForm({ reason: " done " })).toEqual({ ok: true, value: { reason: "done" } });
    expect(parseCancelForm({ reason: "" })).toEqual({ ok: true, value: { reason: undefined } });
    expect(parseCancelForm({})).toEqual({ ok: true, value: { reason: undefined } });
    expect(parseCancelForm({ reason: "x".repeat(1001) })).toEqual({
      ok: false,
      message: "reason: at most 1,000 characters",
    });
    expect(parseCancelForm({ reason: "a\u0000b" })).toEqual({
      ok: false,
      message: expect.stringMatching(/^reason: must not contain NUL characters/),
    });
  });
});
