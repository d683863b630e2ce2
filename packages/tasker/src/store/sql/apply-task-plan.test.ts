import { describe, expect, it } from "vitest";
import { type TaskPlanWrite, taskPlanShape, taskPlanStatement } from "./apply-task-plan.js";

const TASK = "01900000-0000-7000-8000-000000000001";
const STEP_A = "01900000-0000-7000-8000-00000000000a";
const STEP_B = "01900000-0000-7000-8000-00000000000b";

function plan(over: Partial<TaskPlanWrite> = {}): TaskPlanWrite {
  return {
    taskUuid: TASK,
    ready: [],
    queue: "worker_test_queue",
    correlationId: "c-1",
    claim: null,
    transitions: [],
    status: null,
    error: undefined,
    terminal: false,
    wakeUp: null,
    eventPayloads: [],
    counts: null,
    parentCounts: [],
    ...over,
  };
}

/** The names of the CTEs a statement defines. */
function ctes(sql: string): string[] {
  return [...sql.matchAll(/(?:WITH|,)\s+(\w+) AS \(/g)].map((m) => m[1] as string);
}

/** The highest `$n` the text uses: PostgreSQL wants exactly that many parameters. */
function highestParam(sql: string): number {
  return Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
}

describe("taskPlanShape", () => {
  it("enqueues only ready steps other than the one claimed for a worker", () => {
    const claim = { stepUuid: STEP_A, workerId: "w", leaseSeconds: 30 };
    expect(taskPlanShape(plan({ ready: [STEP_A], claim }))).toMatchObject({ enqueue: false, claim: true });
    expect(taskPlanShape(plan({ ready: [STEP_A, STEP_B], claim }))).toMatchObject({
      enqueue: true,
      claim: true,
    });
    expect(taskPlanShape(plan({ ready: [STEP_A] }))).toMatchObject({ enqueue: true, claim: false });
  });
});

describe("taskPlanStatement", () => {
  it("leaves out the parts a plan does not write, and sends one value per parameter it uses", () => {
    const bare = taskPlanStatement(plan({ status: "complete", terminal: true }));
    expect(ctes(bare.sql)).toEqual(["task_upd"]);
    expect(bare.params).toHaveLength(highestParam(bare.sql));
    expect(bare.params).toContain("complete");

    const full = taskPlanStatement(
      plan({
        ready: [STEP_A, STEP_B],
        claim: { stepUuid: STEP_A, workerId: "w", leaseSeconds: 30 },
        transitions: [{ from: "a", to: "b", event: "e" }],
        status: "steps_in_process",
        wakeUp: { queue: "q", message: { x: 1 }, delayMs: 5 },
        eventPayloads: ["{}"],
        counts: { done: 1, failed: 0, waiting: 0, running: 2 },
        parentCounts: [{ uuid: STEP_B, unfinished: 0 }],
      }),
    );
    expect(ctes(full.sql)).toEqual([
      "upd",
      "signal",
      "task_tr",
      "task_upd",
      "parents",
      "wake",
      "events",
      "claimed_upd",
      "step_tr",
    ]);
    // One insert for every step transition: the enqueued steps', then the claimed step's two in order.
    expect(full.sql.match(/INSERT INTO tasker\.workflow_step_transitions/g)).toHaveLength(1);
    const stepTr = full.sql.slice(full.sql.indexOf("step_tr AS"));
    expect(stepTr.indexOf("FROM upd")).toBeLessThan(stepTr.indexOf("FROM claimed_upd"));
    expect(stepTr.indexOf("'enqueue'::text")).toBeLessThan(stepTr.indexOf("'claim'::text"));
    expect(full.params).toHaveLength(highestParam(full.sql));
  });

  it("builds each shape's text once, so its prepared statement is found by the same string", () => {
    const a = taskPlanStatement(plan({ status: "error" }));
    const b = taskPlanStatement(plan({ status: "complete" }));
    expect(a.sql).toBe(b.sql);
  });
});
