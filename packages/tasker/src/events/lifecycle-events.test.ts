// A failed statement on the step.completed lease is reported with the operation that failed, so
// the log says whether the lease was not taken, not renewed or not released.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Database } from "../store/database.js";
import { type LeaseOperation, LifecycleEvents, leaseFailureMessage } from "./lifecycle-events.js";

/** A database whose every statement fails; listening works. */
function failingDatabase(): Database {
  return {
    query: async () => {
      throw new Error("connection refused");
    },
    listen: async () => async () => undefined,
  } as unknown as Database;
}

describe("the step.completed lease's failures", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("name the operation that failed: the first hold, a renewal, the release", async () => {
    vi.useFakeTimers();
    const failed: LeaseOperation[] = [];
    const events = new LifecycleEvents(
      failingDatabase(),
      () => undefined,
      (err, operation) => {
        expect((err as Error).message).toBe("connection refused");
        failed.push(operation);
      },
    );
    const off = events.on("step.completed", () => undefined);
    await events.ready();
    expect(failed).toEqual(["take"]);

    await vi.advanceTimersByTimeAsync(20_000);
    await events.ready();
    expect(failed).toEqual(["take", "renew"]);

    off();
    await events.close();
    expect(failed).toEqual(["take", "renew", "release"]);
  });

  it("are logged in words that say which", () => {
    expect(leaseFailureMessage("take")).toContain("was not taken");
    expect(leaseFailureMessage("renew")).toContain("was not renewed");
    expect(leaseFailureMessage("release")).toContain("was not released");
  });
});
