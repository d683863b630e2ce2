import { describe, expect, it } from "vitest";
import { QueueWaiters } from "./queue-waiters.js";

describe("QueueWaiters", () => {
  it("wakes only the waits that read the signalled queue", async () => {
    const waiters = new QueueWaiters();
    const woken: string[] = [];
    const a = waiters.wait(["q_a"], 5_000).then(() => woken.push("a"));
    const ab = waiters.wait(["q_a", "q_b"], 5_000).then(() => woken.push("ab"));
    const b = waiters.wait(["q_b"], 200).then(() => woken.push("b (timeout)"));
    waiters.wake("q_a");
    await Promise.all([a, ab]);
    expect(woken.sort()).toEqual(["a", "ab"]);
    await b;
    expect(woken).toContain("b (timeout)");
    const c = waiters.wait(["q_c"], 5_000).then(() => woken.push("c"));
    waiters.wakeAll();
    await c;
    expect(woken).toContain("c");
  });
});
