// Pure: what a batchable step's outcome writes into its task - one instance of its worker template
// per batch (`{worker_template}_{batch_id}`, its batch in `initialization.batch`), the convergence
// steps waiting for the worker template with an edge from every instance, and the steps behind
// them - or why the outcome cannot be applied. The rows are made as a decision's are (creationOf).
import {
  BATCH_INPUTS_KEY,
  type BatchInputs,
  BatchOutcomeSchema,
  type CursorConfig,
} from "../model/batch-outcome.js";
import type { ExistingStep } from "../store/sql/create-steps.js";
import type { TaskTemplate } from "../template/schema.js";
import { type ShapeStep, stepsCreatedWith } from "../template/step-creation.js";
import { type CreationPlan, type CreatorClaim, creationOf } from "./plan-step-creation.js";

type TemplateStep = TaskTemplate["steps"][number];

/** The batch id of the one instance `no_batches` creates. */
export const NO_OP_BATCH_ID = "0";

/**
 * Plans a batchable step's outcome (`outcome`, the result's `batch_processing_outcome` as written)
 * in a task whose steps are `existing` (read under the task's lock). Parallelism N: instance k
 * (k >= N, in batch order) also waits for instance k - N, so at most N run at once and each one
 * done starts the next, with no read of the task. That edge orders only: k - N is not an ancestor
 * of k, so its result is not among k's dependency results.
 */
export function planBatchOutcome(
  templateSteps: readonly TemplateStep[],
  existing: readonly ExistingStep[],
  claim: CreatorClaim,
  outcome: unknown,
  opts: { now: Date; newUuid: () => string },
): CreationPlan {
  const creator = existing.find((s) => s.workflow_step_uuid === claim.stepUuid);
  const declared = templateSteps.find((s) => s.name === creator?.name);
  if (!creator || !declared || declared.type !== "batchable" || !declared.batch_config)
    return { kind: "as_is" };
  if (
    creator.state !== "in_progress" ||
    creator.claimed_by !== claim.workerId ||
    creator.attempts !== claim.attempts
  ) {
    return { kind: "as_is" };
  }
  const config = declared.batch_config;
  const parsed = BatchOutcomeSchema.safeParse(outcome);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return {
      kind: "invalid",
      names: [],
      message: `batchable step "${creator.name}" returned a batch_processing_outcome that is neither { type: "create_batches", cursor_configs: [...] } nor { type: "no_batches" } (${issues}); return createBatches(...) or noBatches()`,
    };
  }
  const out = parsed.data;
  if (
    out.type === "create_batches" &&
    out.worker_template_name &&
    out.worker_template_name !== config.worker_template
  ) {
    return {
      kind: "invalid",
      names: [out.worker_template_name],
      message: `batchable step "${creator.name}" named worker template "${out.worker_template_name}"; its batch_config.worker_template is "${config.worker_template}"`,
    };
  }
  const cursors: CursorConfig[] =
    out.type === "create_batches"
      ? out.cursor_configs
      : [{ batch_id: NO_OP_BATCH_ID, start_cursor: 0, end_cursor: 0, batch_size: 0 }];
  const ids = cursors.map((c) => c.batch_id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) {
    return {
      kind: "invalid",
      names: [...new Set(repeated)],
      message: `batchable step "${creator.name}" gave batch ids more than once: ${[...new Set(repeated)].join(", ")}; each batch needs its own id`,
    };
  }
  const worker = templateSteps.find((s) => s.name === config.worker_template);
  if (!worker) {
    // The version was registered again without it: the batch cannot be made.
    return {
      kind: "invalid",
      names: [config.worker_template],
      message: `batchable step "${creator.name}" names worker template "${config.worker_template}", which its task's template version no longer has`,
    };
  }

  // Instances are template steps of their own for planning: the worker template's settings, with
  // their batch added to its initialization.
  const instanceName = (c: CursorConfig) => `${config.worker_template}_${c.batch_id}`;
  const names = new Set(existing.map((s) => s.name));
  const taken = cursors
    .map(instanceName)
    .filter((n) => names.has(n) || templateSteps.some((s) => s.name === n));
  if (taken.length > 0) {
    return {
      kind: "invalid",
      names: taken,
      message: `batchable step "${creator.name}" would create ${taken.map((n) => `"${n}"`).join(", ")}, a name the task already has; choose other batch ids`,
    };
  }
  const instances: TemplateStep[] = cursors.map((c) => {
    const batch: BatchInputs = {
      batch_id: c.batch_id,
      start_cursor: c.start_cursor,
      end_cursor: c.end_cursor,
      batch_size: c.batch_size,
      cursor_field: config.cursor_field ?? null,
      total_items: out.type === "create_batches" ? (out.total_items ?? null) : 0,
      batch_count: cursors.length,
      no_op: out.type === "no_batches",
      failure_strategy: config.failure_strategy,
    };
    return {
      ...worker,
      name: instanceName(c),
      type: "standard",
      dependencies: [creator.name],
      handler: {
        ...worker.handler,
        initialization: { ...worker.handler.initialization, [BATCH_INPUTS_KEY]: batch },
      },
    } as TemplateStep;
  });

  // What the outcome creates besides the instances: the batchable's own children (it counts as
  // done), and the steps waiting for the worker template (as if it were one step), with the steps
  // behind them.
  const shape: ShapeStep[] = templateSteps.map((s) => ({
    name: s.name,
    dependencies: s.dependencies,
    type: s.name === creator.name ? "standard" : (s.type ?? "standard"),
  }));
  const waiting = templateSteps
    .filter((s) => s.dependencies.includes(config.worker_template))
    .map((s) => s.name);
  const others = stepsCreatedWith(
    shape,
    new Set([...[...names].filter((n) => n !== creator.name), config.worker_template]),
    [creator.name, ...waiting],
  );
  const create = others.create.filter((n) => n !== creator.name);
  const edges: { from: string; to: string; order?: true }[] = [];
  for (const e of others.edges) {
    if (e.to === creator.name) continue;
    if (e.from === config.worker_template) for (const i of instances) edges.push({ from: i.name, to: e.to });
    else edges.push(e);
  }
  // Convergence steps that exist already (another parent created them) take every instance as a
  // parent, while they have not started (creationOf keeps only those).
  const lateEdges = [
    ...others.lateEdges,
    ...waiting.filter((w) => names.has(w)).flatMap((to) => instances.map((i) => ({ from: i.name, to }))),
  ];
  const parallelism = config.parallelism ?? instances.length;
  instances.forEach((instance, k) => {
    edges.push({ from: creator.name, to: instance.name });
    if (k >= parallelism)
      edges.push({ from: (instances[k - parallelism] as TemplateStep).name, to: instance.name, order: true });
  });
  return {
    kind: "create",
    ...creationOf(
      [...templateSteps, ...instances],
      existing,
      claim,
      {
        create: [...instances.map((i) => i.name), ...create],
        edges,
        lateEdges,
      },
      opts,
    ),
  };
}
