import { checkCheckpoint, type StepCheckpoint } from "../model/checkpoint.js";
import { CheckpointRefusedError, PermanentError } from "./errors.js";

/** Saves one checkpoint's JSON text: false when the attempt no longer holds its step. */
export type SaveCheckpoint = (json: string) => Promise<boolean>;

/**
 * A handler's `ctx.checkpoint` for one attempt: checks the value (a bad one is a permanent error:
 * it would be refused on every attempt), saves it, and rejects with a CheckpointRefusedError once
 * the attempt has lost its step. Saves run one after another, so the last one called is the one kept.
 */
export function checkpointer(
  stepUuid: string,
  save: SaveCheckpoint,
): (value: StepCheckpoint) => Promise<void> {
  let previous: Promise<unknown> | undefined;
  return (value) => {
    const checked = checkCheckpoint(value);
    if (!checked.ok) {
      return Promise.reject(new PermanentError(checked.message, { code: "invalid_checkpoint" }));
    }
    const saving = previous ? previous.then(() => save(checked.json)) : save(checked.json);
    previous = saving.catch(() => undefined);
    return saving.then((held) => {
      if (!held) throw new CheckpointRefusedError(stepUuid);
    });
  };
}
