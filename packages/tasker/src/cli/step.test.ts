import { describe, expect, it } from "vitest";
import type { StepResponse } from "../model/task-response.js";
import { formatAudit, formatStepDetail } from "./step.js";
import { createStyle } from "./style.js";

const plain = createStyle(false);
const UUID = "0190a5a0-0000-7000-8000-000000000001";

const step: StepResponse = {
  workflow_step_uuid: UUID,
  task_uuid: UUID,
  name: "charge",
  current_state: "error",
  dependencies_satisfied: true,
  retry_eligible: false,
  ready_for_execution: false,
  total_parents: 1,
  completed_parents: 1,
  attempts: 3,
  max_attempts: 3,
  last_failure_at: "2026-01-01T00:00:02.000Z",
  next_retry_at: null,
  last_attempted_at: "2026-01-01T00:00:01.000Z",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:02.000Z",
  completed_at: null,
  results: { partial: true },
  error: {
    message: "card declined",
    code: "card_declined",
    retryable: false,
    kind: "permanent",
    metadata: null,
  },
};

describe("formatStepDetail", () => {
  it("shows state, attempts, the error with its kind and code, and the result as JSON", () => {
    const text = formatStepDetail(step, plain);
    expect(text).toMatch(/^step: +charge \(0190a5a0-/m);
    expect(text).toMatch(/^attempts: +3\/3$/m);
    expect(text).toMatch(/^error: +permanent \[card_declined\]: card declined$/m);
    expect(text).toContain('result:\n{\n  "partial": true\n}');
  });

  it("leaves out the error and result lines when there are none", () => {
    const text = formatStepDetail({ ...step, current_state: "pending", error: null, results: null }, plain);
    expect(text).not.toContain("error:");
    expect(text).not.toContain("result:");
  });
});

describe("formatAudit", () => {
  it("lists transitions in order with their event and metadata", () => {
    const text = formatAudit(
      [
        {
          id: "1",
          workflow_step_uuid: UUID,
          from_state: null,
          to_state: "pending",
          event: "create",
          metadata: {},
          created_at: "2026-01-01T00:00:00.000Z",
        },
        {
          id: "2",
          workflow_step_uuid: UUID,
          from_state: "error",
          to_state: "resolved_manually",
          event: "resolve_manually",
          metadata: { reason: "paid by phone" },
          created_at: "2026-01-01T00:01:00.000Z",
        },
      ],
      plain,
    );
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^AT +FROM +TO +EVENT +DETAILS$/);
    expect(lines[1]).toMatch(/^\S+ +- +pending +create$/);
    expect(lines[2]).toMatch(
      /^\S+ +error +resolved_manually +resolve_manually +\{"reason":"paid by phone"\}$/,
    );
  });
});
