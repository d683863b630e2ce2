// Pure: what a decision's outcome writes into its task - the new steps' rows, their edges, and what
// changes in the steps they attach to - or why the outcome cannot be applied.
import { type DecisionOutcome, DecisionOutcomeSchema } from "../model/decision-outcome.js";
import { STEP_SATISFIED_STATES, type StepState } from "../state/step-states.js";
import type { ExistingStep, StepsCreation } from "../store/sql/create-steps.js";
import type { TaskTemplate } from "../template/schema.js";
import { type ShapeStep, stepsForOutcome } from "../template/step-creation.js";
import { positionRanges, rangePositions } from "./ancestor-positions.js";
import { newStepOf } from "./new-step.js";

type TemplateStep = TaskTemplate["steps"][number];

/** What to do with a decision's or a batchable step's outcome. */
export type CreationPlan =
  /** Not a step-creating step of its template, or its claim is gone: store the result as it is. */
  | { kind: "as_is" }
  /** The outcome cannot be applied: fail the step for good with this message. */
  | { kind: "invalid"; message: string; names: string[] }
  /** Write `creation` (absent when the outcome creates nothing), then store the result. */
  | { kind: "create"; creation: StepsCreation | undefined; created: ExistingStep[] };

/** The creating step's (decision's or batchable step's) claim on the attempt whose outcome is stored. */
export interface CreatorClaim {
  taskUuid: string;
  stepUuid: string;
  workerId: string;
  attempts: number;
}

/**
 * Plans a decision's outcome (`outcome`, the result's `decision_point_outcome` as written) in a
 * task whose steps are `existing` (read under the task's lock), from the task's template steps.
 * `created` lists the new steps as `existing` would show them, for a second decision of the same
 * task planned in the same transaction.
 */
export function planDecision(
  templateSteps: readonly TemplateStep[],
  existing: readonly ExistingStep[],
  claim: CreatorClaim,
  outcome: unknown,
  opts: { maxStepsPerDecision: number; now: Date; newUuid: () => string },
): CreationPlan {
  const decision = existing.find((s) => s.workflow_step_uuid === claim.stepUuid);
  const declared = templateSteps.find((s) => s.name === decision?.name);
  if (!decision || !declared || typeOf(declared) !== "decision") return { kind: "as_is" };
  if (
    decision.state !== "in_progress" ||
    decision.claimed_by !== claim.workerId ||
    decision.attempts !== claim.attempts
  ) {
    return { kind: "as_is" };
  }
  const parsed = DecisionOutcomeSchema.safeParse(outcome);
  if (!parsed.success) {
    return {
      kind: "invalid",
      names: [],
      message: `decision "${decision.name}" returned a decision_point_outcome that is neither { type: "create_steps", step_names: [...] } nor { type: "no_branches" }; return decide([...]) or noBranches()`,
    };
  }
  const shape: ShapeStep[] = templateSteps.map((s) => ({
    name: s.name,
    dependencies: s.dependencies,
    type: typeOf(s),
  }));
  const names = new Set(existing.map((s) => s.name));
  const planned = stepsForOutcome(
    shape,
    decision.name,
    parsed.data as DecisionOutcome,
    names,
    opts.maxStepsPerDecision,
  );
  if ("message" in planned) return { kind: "invalid", names: planned.names, message: planned.message };
  if (planned.create.length === 0) return { kind: "create", creation: undefined, created: [] };
  return { kind: "create", ...creationOf(templateSteps, existing, claim, planned, opts) };
}

/** Templates registered before step types existed have no `type`: standard. */
function typeOf(step: TemplateStep): ShapeStep["type"] {
  return step.type ?? "standard";
}

/**
 * The rows of `planned` (names of template steps, or of `templateSteps` given for run-time steps
 * such as batch instances): the new steps with their ancestors, children and parents not done,
 * and what changes in the steps that exist (children, parents not done and ancestors they gain).
 */
export function creationOf(
  templateSteps: readonly TemplateStep[],
  existing: readonly ExistingStep[],
  claim: CreatorClaim,
  planned: {
    create: string[];
    /** `order`: the step waits for the other, which is not its ancestor (a batch's parallelism). */
    edges: { from: string; to: string; order?: boolean }[];
    lateEdges: { from: string; to: string; order?: boolean }[];
  },
  opts: { now: Date; newUuid: () => string },
): { creation: StepsCreation; created: ExistingStep[] } {
  const byName = new Map(existing.map((s) => [s.name, s]));
  const uuidOf = new Map(existing.map((s) => [s.name, s.workflow_step_uuid]));
  for (const name of planned.create) uuidOf.set(name, opts.newUuid());
  const isNew = new Set(planned.create);
  // A convergence step that exists takes a new parent only while it has not started.
  const lateEdges = planned.lateEdges.filter((e) => byName.get(e.to)?.state === "pending");
  const edges = [...planned.edges, ...lateEdges];

  // New steps come after every step of the task, in the order planned (parents first).
  const firstPosition = Math.max(-1, ...existing.map((s) => s.position)) + 1;
  const positionOf = new Map([
    ...existing.map((s) => [s.name, s.position] as const),
    ...planned.create.map((name, i) => [name, firstPosition + i] as const),
  ]);
  const ancestors = new Map<string, number[]>(
    existing.map((s) => [s.name, rangePositions(s.ancestor_positions)]),
  );
  for (const name of planned.create) {
    const own = new Set<number>();
    for (const e of planned.edges) {
      if (e.to !== name || e.order) continue;
      own.add(positionOf.get(e.from)!);
      for (const a of ancestors.get(e.from) ?? []) own.add(a);
    }
    ancestors.set(name, [...own]);
  }

  const unfinished = (name: string) =>
    isNew.has(name) || !STEP_SATISFIED_STATES.has(byName.get(name)?.state as StepState);
  const declared = new Map(templateSteps.map((s) => [s.name, s]));
  const steps = planned.create.map((name, i) => {
    const s = declared.get(name)!;
    return {
      ...newStepOf(s, {
        workflow_step_uuid: uuidOf.get(name)!,
        task_uuid: claim.taskUuid,
        position: firstPosition + i,
        ancestor_positions: positionRanges(ancestors.get(name)!),
        child_uuids: edges.filter((e) => e.from === name).map((e) => uuidOf.get(e.to)!),
      }),
      unfinished_parents: planned.edges.filter((e) => e.to === name && unfinished(e.from)).length,
    };
  });

  const updates = new Map<
    string,
    { add_children: string[]; add_unfinished: number; add_ancestors: number[] }
  >();
  const updateOf = (name: string) => {
    const uuid = uuidOf.get(name)!;
    let u = updates.get(uuid);
    if (!u) {
      u = { add_children: [], add_unfinished: 0, add_ancestors: [] };
      updates.set(uuid, u);
    }
    return u;
  };
  for (const e of planned.edges)
    if (!isNew.has(e.from)) updateOf(e.from).add_children.push(uuidOf.get(e.to)!);
  for (const e of lateEdges) {
    const u = updateOf(e.to);
    if (unfinished(e.from)) u.add_unfinished += 1;
    if (e.order) continue;
    const has = new Set([...(ancestors.get(e.to) ?? []), ...u.add_ancestors]);
    for (const a of [...(ancestors.get(e.from) ?? []), positionOf.get(e.from)!]) {
      if (!has.has(a)) {
        has.add(a);
        u.add_ancestors.push(a);
      }
    }
  }

  return {
    creation: {
      taskUuid: claim.taskUuid,
      creator: { stepUuid: claim.stepUuid, workerId: claim.workerId, attempts: claim.attempts },
      steps,
      updates: [...updates].map(([workflow_step_uuid, u]) => ({
        workflow_step_uuid,
        add_children: u.add_children,
        add_unfinished: u.add_unfinished,
        add_ancestors: positionRanges(u.add_ancestors),
      })),
      createdAt: opts.now,
    },
    created: steps.map((s) => ({
      workflow_step_uuid: s.workflow_step_uuid,
      name: s.name,
      state: "pending",
      position: s.position,
      ancestor_positions: s.ancestor_positions,
      claimed_by: null,
      attempts: 0,
    })),
  };
}
