import { describe, expect, it } from "vitest";
import type { Job } from "./job-queue.js";
import { MemoryJobQueue } from "./memory-queue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MemoryJobQueue", () => {
  it("runs added jobs with their data once a processor is registered", async () => {
    const queue = new MemoryJobQueue();
    const seen: unknown[] = [];
    await queue.add("email", { to: "a@example.com" });
    await queue.add("email", { to: "b@example.com" });
    queue.process<{ to: string }>("email", 1, async (job) => {
      seen.push(job.data.to);
    });
    await queue.drain();
    expect(seen).toEqual(["a@example.com", "b@example.com"]);
    await queue.close();
  });

  it("never runs more jobs of a queue at once than its concurrency", async () => {
    const queue = new MemoryJobQueue();
    let running = 0;
    let peak = 0;
    queue.process("work", 2, async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(10);
      running--;
    });
    await Promise.all(Array.from({ length: 6 }, (_, i) => queue.add("work", i)));
    await queue.drain();
    expect(peak).toBe(2);
    await queue.close();
  });

  it("retries a failing job with backoff until it succeeds", async () => {
    const queue = new MemoryJobQueue();
    const attempts: Array<{ attempt: number; at: number }> = [];
    queue.process("flaky", 1, async (job) => {
      attempts.push({ attempt: job.attempt, at: Date.now() });
      if (job.attempt < 3) throw new Error("not yet");
    });
    await queue.add("flaky", {}, { attempts: 5, backoff: { type: "fixed", delayMs: 30 } });
    await queue.drain();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(25);
    await queue.close();
  });

  it("reports a job that failed its last attempt to the failure listeners", async () => {
    const queue = new MemoryJobQueue();
    const failed: Array<{ job: Job; message: string }> = [];
    queue.onFailed((job, error) => failed.push({ job, message: error.message }));
    queue.process("doomed", 1, async () => {
      throw new Error("always");
    });
    await queue.add("doomed", { n: 1 }, { attempts: 2 });
    await queue.drain();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.job.attempt).toBe(2);
    expect(failed[0]!.message).toBe("always");
    await queue.close();
  });

  it("does not add a job whose id is already waiting", async () => {
    const queue = new MemoryJobQueue();
    const seen: string[] = [];
    await queue.add("email", "first", { jobId: "msg-1" });
    await queue.add("email", "second", { jobId: "msg-1" });
    queue.process<string>("email", 1, async (job) => {
      seen.push(job.data);
    });
    await queue.drain();
    expect(seen).toEqual(["first"]);
    await queue.close();
  });

  it("waits for a delayed job", async () => {
    const queue = new MemoryJobQueue();
    const started = Date.now();
    let ranAt = 0;
    queue.process("later", 1, async () => {
      ranAt = Date.now();
    });
    await queue.add("later", {}, { delayMs: 40 });
    await queue.drain();
    expect(ranAt - started).toBeGreaterThanOrEqual(35);
    await queue.close();
  });

  it("lets running jobs finish on close and refuses new ones", async () => {
    const queue = new MemoryJobQueue();
    let finished = false;
    queue.process("slow", 1, async () => {
      await sleep(30);
      finished = true;
    });
    await queue.add("slow", {});
    await queue.close();
    expect(finished).toBe(true);
    await expect(queue.add("slow", {})).rejects.toThrow(/closed/);
  });

  it("rejects a second processor and a bad concurrency with a clear message", () => {
    const queue = new MemoryJobQueue();
    queue.process("q", 1, async () => {});
    expect(() => queue.process("q", 1, async () => {})).toThrow(/already has a processor/);
    expect(() => queue.process("r", 0, async () => {})).toThrow(/positive integer/);
  });
});
