import { describe, expect, it } from "vitest";
import type { TaskGraphWrite } from "./insert-task-graph.js";
import { batchParams } from "./insert-task-graphs.js";

const guard = { contentHash: "h", versionCount: null };

/** A chain a -> b -> c of template `name`, with its own uuids; `a` enqueued. */
function chain(taskUuid: string, name = "chain"): TaskGraphWrite {
  const uuid = (step: string) => `${taskUuid}-${step}`;
  const step = (n: string, position: number, children: string[], state: "pending" | "enqueued") => ({
    workflow_step_uuid: uuid(n),
    task_uuid: taskUuid,
    name: n,
    position,
    handler_callable: `h.${n}`,
    initialization: {},
    max_attempts: 3,
    retryable: true,
    backoff: "exponential",
    backoff_base_ms: 1000,
    max_backoff_ms: 30000,
    timeout_seconds: 30,
    ancestor_positions: "{}",
    child_uuids: children.map(uuid),
    state,
    unfinished_parents: position === 0 ? 0 : 1,
  });
  return {
    task: { task_uuid: taskUuid, namespace: "ns", name, version: "1.0.0" } as TaskGraphWrite["task"],
    // Listed out of position order: positions, not the list's order, place the uuids.
    steps: [step("b", 1, ["c"], "pending"), step("a", 0, ["b"], "enqueued"), step("c", 2, [], "pending")],
    taskTransitions: [{ from: "pending", to: "in_progress", event: "start" }],
    queue: "worker_ns_queue",
    eventPayloads: [],
    createdAt: new Date(0),
    template: guard,
  };
}

describe("batchParams", () => {
  it("sends a template's steps once, children as positions, and per task its step uuids by position", () => {
    const params = batchParams([chain("t1"), chain("t2"), chain("t3", "other")]);
    const templates = JSON.parse(params.templates) as { tk: number; name: string }[];
    expect(templates.map((t) => [t.tk, t.name])).toEqual([
      [0, "chain"],
      [1, "other"],
    ]);
    const steps = JSON.parse(params.templateSteps) as Record<string, unknown>[];
    expect(steps.map((s) => [s.tk, s.name, s.position, s.children, s.state])).toEqual([
      [0, "b", 1, [2], "pending"],
      [0, "a", 0, [1], "enqueued"],
      [0, "c", 2, [], "pending"],
      [1, "b", 1, [2], "pending"],
      [1, "a", 0, [1], "enqueued"],
      [1, "c", 2, [], "pending"],
    ]);
    // Nothing of one task is sent as the template's.
    expect(params.templateSteps).not.toContain("t1-");
    const tasks = JSON.parse(params.tasks) as { tk: number; step_uuids: string[]; tr: number }[];
    expect(tasks.map((t) => [t.tk, t.step_uuids, t.tr])).toEqual([
      [0, ["t1-a", "t1-b", "t1-c"], 0],
      [0, ["t2-a", "t2-b", "t2-c"], 0],
      [1, ["t3-a", "t3-b", "t3-c"], 0],
    ]);
    expect(JSON.parse(params.transitionLists)).toHaveLength(1);
  });

  it("refuses a task whose steps start otherwise than its template's first task", () => {
    const odd = chain("t2");
    odd.steps[2]!.state = "enqueued";
    expect(() => batchParams([chain("t1"), odd])).toThrow(/step c starts enqueued/);
  });
});
