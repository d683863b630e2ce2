import { describe, expect, it } from "vitest";
import { checkpointer } from "./checkpointer.js";
import { CheckpointRefusedError, PermanentError } from "./errors.js";

describe("checkpointer", () => {
  it("saves checkpoints one after another, in the order they were made", async () => {
    const saved: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => {
      release = r;
    });
    const save = checkpointer("s", async (json) => {
      if (saved.length === 0) await first;
      saved.push(json);
      return true;
    });
    const a = save({ cursor: 1 });
    const b = save({ cursor: 2 });
    release();
    await Promise.all([a, b]);
    expect(saved).toEqual(['{"cursor":1}', '{"cursor":2}']);
  });

  it("rejects with CheckpointRefusedError when the claim is not held, and goes on saving after", async () => {
    let held = false;
    const save = checkpointer("step-1", async () => held);
    await expect(save({ cursor: 1 })).rejects.toBeInstanceOf(CheckpointRefusedError);
    held = true;
    await expect(save({ cursor: 2 })).resolves.toBeUndefined();
  });

  it("refuses a checkpoint that cannot be stored with a permanent error, without saving it", async () => {
    let calls = 0;
    const save = checkpointer("s", async () => {
      calls++;
      return true;
    });
    const err = await save([1] as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: "invalid_checkpoint" });
    expect(calls).toBe(0);
  });
});
