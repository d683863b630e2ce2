import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { CompletionTracker } from "./completion-tracker.js";
import { measureLatency, measureThroughput } from "./measure.js";

/** Node's timers may fire up to 1 ms early by `performance.now()`; wait until the clock agrees. */
async function sleepAtLeast(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) await sleep(Math.max(1, until - performance.now()));
}

describe("measureLatency", () => {
  it("alternates contenders run by run and drops the warm-up runs", async () => {
    const order: string[] = [];
    let warmedUpAt = -1;
    const contender = (label: string, ms: number) => ({
      label,
      async runOnce() {
        order.push(label);
        return ms + order.length;
      },
    });
    const samples = await measureLatency([contender("a", 100), contender("b", 200)], {
      runs: 2,
      warmup: 1,
      onWarmedUp: () => {
        warmedUpAt = order.length;
      },
    });
    expect(order).toEqual(["a", "b", "a", "b", "a", "b"]);
    expect(warmedUpAt).toBe(2);
    expect(samples.get("a")).toEqual([103, 105]);
    expect(samples.get("b")).toEqual([204, 206]);
  });
});

describe("measureThroughput", () => {
  it("counts from the first create to the last completion, and the drain after the last create", async () => {
    const tracker = new CompletionTracker();
    const run = await measureThroughput({
      tasks: 6,
      creators: 2,
      tracker,
      timeoutMs: 2000,
      async create(i) {
        const id = `t${i}`;
        // Each unit is stamped as finishing 5 s after its creation began: the figures no longer
        // depend on how busy the machine is.
        tracker.record(id, true, "", performance.now() + 5000);
        await sleepAtLeast(5);
        return id;
      },
    });
    expect(run.tasks).toBe(6);
    expect(run.drainMs).toBeGreaterThan(4000);
    expect(run.drainMs).toBeLessThanOrEqual(5000);
    // Three rounds of 5 ms creates come before the last one starts.
    expect(run.durationMs).toBeGreaterThanOrEqual(5000 + 10);
    expect(run.durationMs - run.drainMs).toBeGreaterThanOrEqual(10);
    expect(run.tasksPerS).toBeCloseTo(6 / (run.durationMs / 1000), 6);
    expect(tracker.pending).toBe(0);
  });

  it("fails loudly when any unit ends in failure", async () => {
    const tracker = new CompletionTracker();
    await expect(
      measureThroughput({
        tasks: 2,
        creators: 1,
        tracker,
        timeoutMs: 1000,
        async create(i) {
          tracker.record(`t${i}`, i === 0, i === 0 ? "" : "task t1 ended in error");
          return `t${i}`;
        },
      }),
    ).rejects.toThrow(/1 of 2 did not complete successfully \(first: task t1 ended in error\)/);
  });
});
