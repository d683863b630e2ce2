import { describe, expect, it } from "vitest";
import { createBatches, noBatches, planBatches } from "../model/batch-outcome.js";
import type { ExistingStep } from "../store/sql/create-steps.js";
import { parseTemplateObject } from "../template/load.js";
import { planBatchOutcome } from "./plan-batches.js";

const template = (batchConfig: Record<string, unknown> = {}) =>
  parseTemplateObject({
    name: "bulk",
    namespace_name: "t",
    version: "1.0.0",
    steps: [
      {
        name: "split",
        type: "batchable",
        handler: { callable: "s" },
        batch_config: { batch_size: 2, worker_template: "work", ...batchConfig },
      },
      {
        name: "work",
        type: "batch_worker",
        dependencies: ["split"],
        handler: { callable: "w", initialization: { a: 1 } },
      },
      { name: "join", type: "deferred_convergence", dependencies: ["work"], handler: { callable: "j" } },
      { name: "after", dependencies: ["join"], handler: { callable: "x" } },
    ],
  }).template.steps;

const split: ExistingStep = {
  workflow_step_uuid: "split-uuid",
  name: "split",
  state: "in_progress",
  position: 0,
  ancestor_positions: "{}",
  claimed_by: "w1",
  attempts: 1,
};
const claim = { taskUuid: "task", stepUuid: "split-uuid", workerId: "w1", attempts: 1 };
let n = 0;
const opts = { now: new Date(0), newUuid: () => `u${++n}` };
const plan = (outcome: unknown, config?: Record<string, unknown>, existing = [split]) =>
  planBatchOutcome(template(config), existing, claim, outcome, opts);

describe("planBatchOutcome", () => {
  it("creates an instance per batch with its cursor, and the convergence step after every instance", () => {
    const planned = plan(createBatches(planBatches({ total: 5, batchSize: 2 })).batch_processing_outcome);
    if (planned.kind !== "create" || !planned.creation) throw new Error(`planned ${planned.kind}`);
    const { steps, updates } = planned.creation;
    // The edges as written: the new steps' children, and the children added to steps that exist.
    const edges = [
      ...steps.flatMap((s) => s.child_uuids.map((to) => ({ from: s.workflow_step_uuid, to }))),
      ...updates.flatMap((u) => u.add_children.map((to) => ({ from: u.workflow_step_uuid, to }))),
    ];
    expect(steps.map((s) => s.name)).toEqual(["work_001", "work_002", "work_003", "join", "after"]);
    expect(steps[0]?.initialization).toMatchObject({
      a: 1,
      batch: { batch_id: "001", start_cursor: 0, end_cursor: 2 },
    });
    const byUuid = new Map([
      ["split-uuid", "split"],
      ...steps.map((s) => [s.workflow_step_uuid, s.name] as const),
    ]);
    expect(edges.map((e) => `${byUuid.get(e.from)}->${byUuid.get(e.to)}`).sort()).toEqual(
      [
        "split->work_001",
        "split->work_002",
        "split->work_003",
        "work_001->join",
        "work_002->join",
        "work_003->join",
        "join->after",
      ].sort(),
    );
    expect(steps.find((s) => s.name === "join")?.unfinished_parents).toBe(3);
  });

  it("parallelism N: instance k also waits for instance k - N", () => {
    const planned = plan(createBatches(planBatches({ total: 5, batchSize: 1 })).batch_processing_outcome, {
      parallelism: 2,
    });
    if (planned.kind !== "create" || !planned.creation) throw new Error(`planned ${planned.kind}`);
    const { steps } = planned.creation;
    const parents = (name: string) => steps.find((s) => s.name === name)?.unfinished_parents;
    expect(["work_001", "work_002", "work_003", "work_004", "work_005"].map(parents)).toEqual([
      1, 1, 2, 2, 2,
    ]);
  });

  it("no_batches: one no-op instance", () => {
    const planned = plan(noBatches().batch_processing_outcome);
    if (planned.kind !== "create" || !planned.creation) throw new Error(`planned ${planned.kind}`);
    expect(planned.creation.steps.map((s) => s.name)).toEqual(["work_0", "join", "after"]);
    expect(planned.creation.steps[0]?.initialization).toMatchObject({
      batch: { no_op: true, batch_count: 1 },
    });
  });

  it("refuses a malformed outcome, another worker template, repeated batch ids", () => {
    expect(plan({ type: "create_batches" })).toMatchObject({
      kind: "invalid",
      message: expect.stringMatching(/cursor_configs/),
    });
    const one = planBatches({ total: 1, batchSize: 1 });
    expect(
      plan({ type: "create_batches", worker_template_name: "other", cursor_configs: one }),
    ).toMatchObject({
      kind: "invalid",
      names: ["other"],
    });
    expect(plan({ type: "create_batches", cursor_configs: [...one, ...one] })).toMatchObject({
      kind: "invalid",
      names: ["001"],
    });
  });

  it("leaves the result as it is when the claim is gone (a replay)", () => {
    expect(
      plan(noBatches().batch_processing_outcome, {}, [{ ...split, state: "complete", claimed_by: null }]),
    ).toEqual({
      kind: "as_is",
    });
  });
});
