// The BullMQ job queue against a real Redis (skipped, with a notice, when none answers).
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BullMqJobQueue } from "../src/jobs/bullmq-queue.js";
import type { Job } from "../src/jobs/job-queue.js";
import { redisReachable, TEST_REDIS_URL } from "./support/redis.js";

const hasRedis = await redisReachable();
if (!hasRedis) console.warn(`Redis not reachable at ${TEST_REDIS_URL}: skipping the BullMQ job queue tests`);

describe.skipIf(!hasRedis)("BullMqJobQueue on Redis", () => {
  let queue: BullMqJobQueue | undefined;
  const open = () => {
    queue = new BullMqJobQueue({
      redisUrl: TEST_REDIS_URL,
      prefix: `hono-app-test-${randomBytes(4).toString("hex")}`,
    });
    return queue;
  };
  afterEach(async () => {
    if (!queue) return;
    await queue.obliterate();
    await queue.close();
    queue = undefined;
  });

  it("runs jobs with their data", async () => {
    const q = open();
    const seen: string[] = [];
    q.process<{ to: string }>("email", 2, async (job) => {
      seen.push(job.data.to);
    });
    await q.add("email", { to: "a@example.com" });
    await q.add("email", { to: "b@example.com" });
    await q.drain();
    expect(seen.sort()).toEqual(["a@example.com", "b@example.com"]);
  });

  it("retries a failing job and reports the final failure", async () => {
    const q = open();
    const attempts: number[] = [];
    const failed: Job[] = [];
    q.onFailed((job) => failed.push(job));
    q.process("flaky", 1, async (job) => {
      attempts.push(job.attempt);
      if ((job.data as { failAlways: boolean }).failAlways || job.attempt < 2) throw new Error("not yet");
    });
    await q.add("flaky", { failAlways: false }, { attempts: 3, backoff: { type: "fixed", delayMs: 20 } });
    await q.drain();
    expect(attempts).toEqual([1, 2]);
    await q.add("flaky", { failAlways: true }, { attempts: 2, backoff: { type: "fixed", delayMs: 20 } });
    await q.drain();
    await new Promise((r) => setTimeout(r, 100));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.maxAttempts).toBe(2);
  });

  it("does not add a second job with the same id", async () => {
    const q = open();
    await q.add("email", "first", { jobId: "order:1:confirmation" });
    await q.add("email", "second", { jobId: "order:1:confirmation" });
    const seen: string[] = [];
    q.process<string>("email", 1, async (job) => {
      seen.push(job.data);
    });
    await q.drain();
    expect(seen).toEqual(["first"]);
  });
});
