import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import { taskRow as sharedTaskRow } from "../../test/support/step-rows.js";
import { StepResponseSchema, TaskListResponseSchema, TaskResponseSchema } from "../model/task-response.js";
import type { StepState } from "../state/step-states.js";
import type { TaskState } from "../state/task-states.js";
import type { StepRow } from "../store/sql/steps.js";
import type { TaskRow } from "../store/sql/tasks.js";
import { toStepResponse, toTaskResponse, toTaskSummary } from "./task-view.js";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const CREATED = new Date("2025-06-01T11:00:00.000Z");
const TASK_UUID = uuidv7({ msecs: CREATED.getTime() });

function taskRow(overrides: Partial<TaskRow> = {}): TaskRow {
  return sharedTaskRow({
    task_uuid: TASK_UUID,
    namespace: "ecommerce",
    name: "order_fulfillment",
    context: { order_id: 7 },
    initiator: "tests",
    tags: ["a"],
    correlation_id: "corr-1",
    created_at: CREATED,
    updated_at: CREATED,
    ...overrides,
  });
}

let position = 0;
function stepRow(state: StepState, overrides: Partial<StepRow> = {}): StepRow {
  position++;
  return {
    workflow_step_uuid: uuidv7({ msecs: CREATED.getTime() + position }),
    task_uuid: TASK_UUID,
    name: `step_${position}`,
    position,
    handler_callable: "h",
    initialization: {},
    max_attempts: 3,
    retryable: true,
    backoff: "exponential",
    backoff_base_ms: 1000,
    max_backoff_ms: 30_000,
    timeout_seconds: 30,
    ancestor_positions: "{}",
    child_uuids: [],
    state,
    attempts: state === "pending" ? 0 : 1,
    results: null,
    error: null,
    next_retry_at: null,
    last_attempted_at: null,
    last_failure_at: null,
    claimed_by: null,
    claim_expires_at: null,
    created_at: CREATED,
    updated_at: CREATED,
    completed_at: null,
    unfinished_parents: 0,
    total_parents: 0,
    completed_parents: 0,
    ...overrides,
  };
}

/** A step that cannot run yet: one parent, not done. */
const blockedPending = () => stepRow("pending", { total_parents: 1, completed_parents: 0 });
const retryLater = () => stepRow("waiting_for_retry", { next_retry_at: new Date(NOW.getTime() + 5_000) });
const retryDue = () => stepRow("waiting_for_retry", { next_retry_at: new Date(NOW.getTime() - 5_000) });

const view = (steps: StepRow[], status: TaskState = "steps_in_process") =>
  toTaskResponse(taskRow({ status }), steps, NOW);

describe("toTaskResponse counts", () => {
  it("counts each step state into the right bucket", () => {
    const t = view([
      stepRow("pending"),
      retryLater(),
      stepRow("enqueued"),
      stepRow("in_progress"),
      stepRow("enqueued_for_orchestration"),
      stepRow("enqueued_as_error_for_orchestration"),
      stepRow("complete"),
      stepRow("resolved_manually"),
      stepRow("error"),
      stepRow("cancelled"),
    ]);
    expect(t).toMatchObject({
      total_steps: 10,
      pending_steps: 2, // pending + waiting_for_retry
      in_progress_steps: 4, // enqueued .. enqueued_as_error_for_orchestration
      completed_steps: 2, // complete + resolved_manually
      failed_steps: 1,
      ready_steps: 1, // only the pending root; the retry is not due yet
    });
  });

  it("counts a due retry as ready", () => {
    expect(view([retryDue(), retryLater()]).ready_steps).toBe(1);
  });

  it("does not count a pending step with unmet dependencies or no attempts left as ready", () => {
    expect(view([blockedPending(), stepRow("pending", { attempts: 3 })]).ready_steps).toBe(0);
  });
});

describe("completion_percentage", () => {
  it.each([
    [[], 0],
    [["pending"], 0],
    [["complete", "pending", "pending"], 33.33],
    [["complete", "resolved_manually", "pending"], 66.67],
    [["complete", "complete", "complete", "error", "pending", "pending", "pending"], 42.86],
    [["complete", "resolved_manually"], 100],
  ] as [StepState[], number][])("%j -> %d", (states, expected) => {
    expect(view(states.map((s) => stepRow(s))).completion_percentage).toBe(expected);
  });

  it("is 100 for a complete task", () => {
    const t = view([stepRow("complete"), stepRow("complete")], "complete");
    expect(t.completion_percentage).toBe(100);
  });
});

describe("execution_status / recommended_action / health_status", () => {
  const cases: [string, () => StepRow[], TaskState, string, string, string][] = [
    [
      "a task with no steps",
      () => [],
      "steps_in_process",
      "waiting_for_dependencies",
      "wait_for_dependencies",
      "unknown",
    ],
    [
      "a fresh task",
      () => [stepRow("pending"), blockedPending()],
      "steps_in_process",
      "has_ready_steps",
      "execute_ready_steps",
      "healthy",
    ],
    [
      "a running step",
      () => [stepRow("in_progress"), blockedPending()],
      "steps_in_process",
      "processing",
      "wait_for_completion",
      "healthy",
    ],
    [
      "a result awaiting the orchestrator",
      () => [stepRow("complete"), stepRow("enqueued_for_orchestration")],
      "steps_in_process",
      "processing",
      "wait_for_completion",
      "healthy",
    ],
    [
      "a retry not yet due",
      () => [stepRow("complete"), retryLater()],
      "waiting_for_retry",
      "waiting_for_dependencies",
      "wait_for_dependencies",
      "recovering",
    ],
    [
      "a due retry",
      () => [stepRow("complete"), retryDue()],
      "waiting_for_retry",
      "has_ready_steps",
      "execute_ready_steps",
      "recovering",
    ],
    [
      "a failure with nothing else to do",
      () => [stepRow("complete"), stepRow("error"), blockedPending()],
      "error",
      "blocked_by_failures",
      "handle_failures",
      "blocked",
    ],
    [
      "a failure while a retry waits",
      () => [stepRow("error"), retryLater()],
      "blocked_by_failures",
      "blocked_by_failures",
      "handle_failures",
      "blocked",
    ],
    [
      "a failure while another branch runs",
      () => [stepRow("error"), stepRow("in_progress")],
      "steps_in_process",
      "processing",
      "wait_for_completion",
      "recovering",
    ],
    [
      "a failure while another branch is ready",
      () => [stepRow("error"), stepRow("pending")],
      "steps_in_process",
      "has_ready_steps",
      "execute_ready_steps",
      "recovering",
    ],
    [
      "all steps done, task not yet finalized",
      () => [stepRow("complete"), stepRow("resolved_manually")],
      "steps_in_process",
      "all_complete",
      "finalize_task",
      "healthy",
    ],
    [
      "a complete task",
      () => [stepRow("complete"), stepRow("complete")],
      "complete",
      "all_complete",
      "none",
      "healthy",
    ],
    [
      "a task resolved by hand",
      () => [stepRow("complete"), stepRow("resolved_manually")],
      "resolved_manually",
      "all_complete",
      "none",
      "healthy",
    ],
    [
      "a cancelled task whose in-flight step finished",
      () => [stepRow("complete"), stepRow("cancelled")],
      "cancelled",
      "waiting_for_dependencies",
      "none",
      "healthy",
    ],
    [
      "a cancelled task with a retry that came due",
      () => [stepRow("complete"), retryDue()],
      "cancelled",
      "has_ready_steps",
      "none",
      "recovering",
    ],
    [
      "a stalled task (parent cancelled)",
      () => [stepRow("cancelled"), blockedPending()],
      "waiting_for_dependencies",
      "waiting_for_dependencies",
      "wait_for_dependencies",
      "healthy",
    ],
  ];

  it.each(cases)("%s", (_label, steps, status, execution, action, health) => {
    const t = view(steps(), status);
    expect({
      execution_status: t.execution_status,
      recommended_action: t.recommended_action,
      health_status: t.health_status,
    }).toEqual({ execution_status: execution, recommended_action: action, health_status: health });
  });
});

describe("toStepResponse", () => {
  it("derives readiness and retry eligibility from the row", () => {
    expect(toStepResponse(stepRow("pending"), NOW)).toMatchObject({
      dependencies_satisfied: true,
      retry_eligible: true,
      ready_for_execution: true,
    });
    expect(toStepResponse(blockedPending(), NOW)).toMatchObject({
      dependencies_satisfied: false,
      ready_for_execution: false,
    });
    expect(toStepResponse(retryLater(), NOW)).toMatchObject({
      retry_eligible: true,
      ready_for_execution: false,
    });
    expect(toStepResponse(stepRow("pending", { retryable: false }), NOW).retry_eligible).toBe(false);
    expect(toStepResponse(stepRow("waiting_for_retry", { attempts: 3 }), NOW).retry_eligible).toBe(false);
    expect(toStepResponse(stepRow("error"), NOW).retry_eligible).toBe(false);
    expect(toStepResponse(stepRow("in_progress"), NOW).ready_for_execution).toBe(false);
  });

  it("writes timestamps as ISO strings, whether the driver gave a Date or a string", () => {
    const at = new Date("2025-06-01T11:30:00.000Z");
    const fromDate = toStepResponse(stepRow("complete", { completed_at: at, last_attempted_at: at }), NOW);
    const fromString = toStepResponse(
      stepRow("complete", {
        completed_at: "2025-06-01T11:30:00+00:00" as unknown as Date,
        last_attempted_at: at,
      }),
      NOW,
    );
    expect(fromDate.completed_at).toBe("2025-06-01T11:30:00.000Z");
    expect(fromString.completed_at).toBe("2025-06-01T11:30:00.000Z");
    expect(fromDate.created_at).toBe(CREATED.toISOString());
    expect(fromDate.last_failure_at).toBeNull();
    expect(fromDate.next_retry_at).toBeNull();
  });

  it("includes results and error only when asked", () => {
    const error = { message: "boom", code: "x", retryable: false, kind: "permanent", metadata: null };
    const row = stepRow("error", { results: { a: 1 }, error });
    expect(toStepResponse(row, NOW)).toMatchObject({ results: { a: 1 }, error });
    const bare = toStepResponse(row, NOW, false);
    expect("results" in bare).toBe(false);
    expect("error" in bare).toBe(false);
    expect(toStepResponse(stepRow("pending"), NOW)).toMatchObject({ results: null, error: null });
  });

  it("matches the wire schema", () => {
    for (const s of ["pending", "waiting_for_retry", "complete", "error"] as const) {
      expect(StepResponseSchema.safeParse(toStepResponse(stepRow(s), NOW)).success).toBe(true);
    }
  });
});

describe("toTaskResponse / toTaskSummary", () => {
  it("copies the task's fields and matches the wire schema", () => {
    const t = toTaskResponse(
      taskRow({ status: "error", error: "step b failed: boom", completed_at: NOW }),
      [stepRow("complete"), stepRow("error")],
      NOW,
    );
    expect(TaskResponseSchema.parse(t)).toEqual(t);
    expect(t).toMatchObject({
      task_uuid: TASK_UUID,
      status: "error",
      error: "step b failed: boom",
      completed_at: NOW.toISOString(),
      created_at: CREATED.toISOString(),
      context: { order_id: 7 },
    });
    expect(t.steps).toHaveLength(2);
  });

  it("drops the steps from a summary but keeps their counts", () => {
    const steps = [stepRow("complete"), stepRow("pending")];
    const summary = toTaskSummary(taskRow(), steps, NOW);
    expect("steps" in summary).toBe(false);
    expect(summary.total_steps).toBe(2);
    expect(summary.completion_percentage).toBe(50);
    expect(TaskListResponseSchema.shape.tasks.element.parse(summary)).toEqual(summary);
  });
});
