import { describe, expect, it } from "vitest";
import { settleBatchFailure } from "./batch-failures.js";
import type { AttemptOutcome } from "./decide-outcome.js";

const failure = (retryable: boolean): AttemptOutcome => ({
  ok: false,
  error: {
    message: "boom",
    code: "x",
    retryable,
    kind: retryable ? "retryable" : "permanent",
    metadata: null,
    retry_after_ms: null,
  },
});
const instance = (failure_strategy: string, attempts = 1, max_attempts = 3) => ({
  initialization: { batch: { batch_id: "007", failure_strategy } },
  attempts,
  max_attempts,
});

describe("settleBatchFailure", () => {
  it("turns a continue_on_failure instance's final failure into a result saying so", () => {
    const settled = {
      ok: true,
      result: {
        batch_failed: true,
        batch_id: "007",
        error: { message: "boom", code: "x", kind: "permanent" },
      },
    };
    expect(settleBatchFailure(instance("continue_on_failure"), failure(false))).toEqual(settled);
    expect(settleBatchFailure(instance("continue_on_failure", 3, 3), failure(true))).toMatchObject({
      ok: true,
    });
  });

  it("leaves a failure that will be retried, other strategies, other steps and successes as they are", () => {
    const retried = failure(true);
    expect(settleBatchFailure(instance("continue_on_failure", 1, 3), retried)).toBe(retried);
    const permanent = failure(false);
    expect(settleBatchFailure(instance("isolate"), permanent)).toBe(permanent);
    expect(settleBatchFailure(instance("fail_fast"), permanent)).toBe(permanent);
    expect(settleBatchFailure({ initialization: {}, attempts: 1, max_attempts: 1 }, permanent)).toBe(
      permanent,
    );
    const ok: AttemptOutcome = { ok: true, result: 1 };
    expect(settleBatchFailure(instance("continue_on_failure"), ok)).toBe(ok);
  });
});
