import { describe, expect, it } from "vitest";
import type { StepResponse, TaskResponse } from "../model/task-response.js";
import type { StepState } from "../state/step-states.js";
import { colourState, describeProgress, formatTaskDetail, stepStateCounts } from "./format-task.js";
import { createStyle, stripAnsi } from "./style.js";

const TASK = "0190a5a0-0000-7000-8000-000000000001";
const plain = createStyle(false);

function step(name: string, state: StepState, extra: Partial<StepResponse> = {}): StepResponse {
  return {
    workflow_step_uuid: `0190a5a0-0000-7000-8000-00000000010${name.length % 10}`,
    task_uuid: TASK,
    name,
    current_state: state,
    dependencies_satisfied: true,
    retry_eligible: false,
    ready_for_execution: false,
    total_parents: 0,
    completed_parents: 0,
    attempts: 1,
    max_attempts: 3,
    last_failure_at: null,
    next_retry_at: null,
    last_attempted_at: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    completed_at: null,
    ...extra,
  };
}

function task(steps: StepResponse[], extra: Partial<TaskResponse> = {}): TaskResponse {
  return {
    task_uuid: TASK,
    name: "pipeline",
    namespace: "cli_demo",
    version: "1.0.0",
    status: "steps_in_process",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    completed_at: null,
    context: {},
    initiator: null,
    source_system: null,
    reason: null,
    tags: [],
    priority: 0,
    correlation_id: "c-1",
    parent_correlation_id: null,
    idempotency_key: null,
    total_steps: steps.length,
    pending_steps: 0,
    in_progress_steps: 0,
    completed_steps: steps.filter((s) => s.current_state === "complete").length,
    failed_steps: steps.filter((s) => s.current_state === "error").length,
    ready_steps: 0,
    completion_percentage: 33.333,
    execution_status: "processing",
    recommended_action: "wait_for_completion",
    health_status: "healthy",
    error: null,
    steps,
    ...extra,
  };
}

describe("stepStateCounts", () => {
  it("counts steps per state in first-seen order", () => {
    const steps = [step("a", "complete"), step("b", "in_progress"), step("c", "complete")];
    expect(stepStateCounts(steps)).toEqual([
      ["complete", 2],
      ["in_progress", 1],
    ]);
  });
});

describe("describeProgress", () => {
  it("shows status, rounded percentage and step states", () => {
    const t = task([step("a", "complete"), step("b", "in_progress"), step("c", "pending")]);
    expect(describeProgress(t, plain)).toBe("steps_in_process 33% [complete 1, in_progress 1, pending 1]");
  });

  it("colours states when colour is on", () => {
    const coloured = describeProgress(task([step("a", "error")], { status: "error" }), createStyle(true));
    expect(coloured).toContain("\u001b[31merror\u001b[39m");
    expect(stripAnsi(coloured)).toBe("error 33% [error 1]");
  });
});

describe("colourState", () => {
  it("is green for success, red for failure, yellow for retry", () => {
    const style = createStyle(true);
    expect(colourState("complete", style)("x")).toBe(style.green("x"));
    expect(colourState("resolved_manually", style)("x")).toBe(style.green("x"));
    expect(colourState("error", style)("x")).toBe(style.red("x"));
    expect(colourState("waiting_for_retry", style)("x")).toBe(style.yellow("x"));
  });
});

describe("formatTaskDetail", () => {
  it("lists the task's facts, its error, and a row per step with attempts and step errors", () => {
    const failed = step("double", "error", {
      error: { message: "asked to fail", code: "x", retryable: false, kind: "permanent", metadata: null },
    });
    const text = formatTaskDetail(
      task([step("prepare", "complete"), failed], { status: "error", error: "step double failed" }),
      plain,
    );
    expect(text).toMatch(/^task: +0190a5a0-0000-7000-8000-000000000001$/m);
    expect(text).toMatch(/^template: +cli_demo\/pipeline@1\.0\.0$/m);
    expect(text).toMatch(/^status: +error$/m);
    expect(text).toMatch(/^error: +step double failed$/m);
    expect(text).toMatch(/^double +error +1\/3 +- +\S+ +asked to fail$/m);
    expect(text).toMatch(/^prepare +complete +1\/3 +- +\S+ +-$/m);
  });
});
