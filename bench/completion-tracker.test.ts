import { describe, expect, it } from "vitest";
import { CompletionTracker } from "./completion-tracker.js";

describe("CompletionTracker", () => {
  it("resolves a waiter when its completion arrives later", async () => {
    const t = new CompletionTracker();
    const done = t.wait("a", 1000);
    expect(t.pending).toBe(1);
    t.record("b", true, "", 5);
    t.record("a", true, "complete", 10);
    await expect(done).resolves.toEqual({ at: 10, ok: true, detail: "complete" });
    expect(t.pending).toBe(0);
  });

  it("keeps a completion that arrives before anyone waits (a task faster than its create call)", async () => {
    const t = new CompletionTracker();
    t.record("fast", false, "error", 3);
    await expect(t.wait("fast", 1000)).resolves.toEqual({ at: 3, ok: false, detail: "error" });
  });

  it("keeps the first completion of an id; later duplicates do not overwrite it", async () => {
    const t = new CompletionTracker();
    t.record("x", true, "first", 1);
    t.record("x", false, "second", 2);
    await expect(t.wait("x", 1000)).resolves.toMatchObject({ detail: "first" });
  });

  it("rejects naming the id and the timeout when nothing arrives", async () => {
    const t = new CompletionTracker();
    await expect(t.wait("slow", 20)).rejects.toThrow("slow did not finish within 20 ms");
    expect(t.pending).toBe(0);
  });

  it("refuses a second waiter for the same id", async () => {
    const t = new CompletionTracker();
    const first = t.wait("dup", 1000);
    await expect(t.wait("dup", 1000)).rejects.toThrow(/already being waited for/);
    t.record("dup", true);
    await first;
  });
});
