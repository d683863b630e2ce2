import { describe, expect, it } from "vitest";
import type { StepResponse } from "../../model/task-response.js";
import { renderToString } from "./html.js";
import { checkpointFact } from "./step-panel.js";

const step = (extra: Partial<StepResponse>) =>
  ({ checkpoint: null, checkpointed_at: null, ...extra }) as StepResponse;

describe("checkpointFact", () => {
  it("shows a step's checkpoint cursor and when it was saved, and nothing without one", async () => {
    const at = "2026-03-01T00:00:00.000Z";
    const shown = await renderToString(
      checkpointFact(step({ checkpoint: { cursor: 15, rows: 3 }, checkpointed_at: at })),
    );
    expect(shown).toContain("<dt>Checkpoint</dt>");
    expect(shown).toContain("cursor <code>15</code>");
    expect(shown).toContain(at);
    const whole = await renderToString(
      checkpointFact(step({ checkpoint: { page: "b" }, checkpointed_at: at })),
    );
    expect(whole).toContain("<code>{&quot;page&quot;:&quot;b&quot;}</code>");
    expect(await renderToString(checkpointFact(step({})))).toBe("");
  });
});
