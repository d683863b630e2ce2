import { describe, expect, it } from "vitest";
import { Waker } from "./waker.js";

/** Resolves to how long `p` took, in ms. */
async function timed(p: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await p;
  return performance.now() - start;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Waker", () => {
  it("resolves after the timeout when nobody wakes it", async () => {
    const elapsed = await timed(new Waker().wait(60));
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(1_000);
  });

  it("resolves early on a wake-up", async () => {
    const waker = new Waker();
    const waiting = waker.wait(5_000);
    setTimeout(() => waker.wake(), 20);
    expect(await timed(waiting)).toBeLessThan(1_000);
  });

  it("remembers a wake-up that came before the wait", async () => {
    const waker = new Waker();
    waker.wake();
    expect(await timed(waker.wait(5_000))).toBeLessThan(50);
  });

  it("remembers only one wake-up, however many arrived", async () => {
    const waker = new Waker();
    waker.wake();
    waker.wake();
    waker.wake();
    expect(await timed(waker.wait(5_000))).toBeLessThan(50);
    expect(await timed(waker.wait(60))).toBeGreaterThanOrEqual(55);
  });

  it("does not carry a wake-up that ended a wait over to the next wait", async () => {
    const waker = new Waker();
    const first = waker.wait(5_000);
    waker.wake();
    await first;
    expect(await timed(waker.wait(60))).toBeGreaterThanOrEqual(55);
  });

  it("remembers a wake-up that arrives after a wait timed out", async () => {
    const waker = new Waker();
    await waker.wait(10);
    waker.wake();
    expect(await timed(waker.wait(5_000))).toBeLessThan(50);
  });

  it("wakes every sleeper, and one sleeper's timeout does not swallow another's wake-up", async () => {
    const waker = new Waker();
    const short = waker.wait(20);
    const long = waker.wait(5_000);
    await short; // timed out
    await sleep(10);
    const elapsed = timed(long);
    waker.wake();
    expect(await elapsed).toBeLessThan(50);

    const a = waker.wait(5_000);
    const b = waker.wait(5_000);
    waker.wake();
    expect(await timed(Promise.all([a, b]))).toBeLessThan(50);
  });

  it("clears its timer on a wake-up (nothing keeps the process alive)", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const waker = new Waker();
    const waiting = waker.wait(60_000);
    expect(timers()).toBe(before + 1);
    waker.wake();
    await waiting;
    expect(timers()).toBe(before);
  });
});
