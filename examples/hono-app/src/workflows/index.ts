// The plug-in shape of a workflow, and the list of workflows the app runs.
//
// A workflow folder (src/workflows/<name>/index.ts) exports a `WorkflowFactory`: given the app's
// dependencies it returns its HTTP routes (Hono sub-apps by prefix, mounted by app.ts), the step
// handlers for its namespace(s) (registered with the engine's worker), and optional hooks. Its YAML
// templates live in templates/<namespace>/ and are loaded through TASKER_TEMPLATE_PATH.
import type { StepHandler } from "@tasker-ts/tasker";
import type { Hono } from "hono";
import type { TaskStatusMapper } from "../engine/task-status-mapper.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { AppDeps } from "../lib/deps.js";
import { approvalsWorkflow } from "./approvals/index.js";
import { dataPipelineWorkflow } from "./data-pipeline/index.js";
import { ecommerceWorkflow } from "./ecommerce/index.js";
import { importsWorkflow } from "./imports/index.js";
import { microservicesWorkflow } from "./microservices/index.js";
import { teamScalingWorkflow } from "./team-scaling/index.js";

export interface Workflow {
  name: string;
  /** Engine namespaces whose steps `handlers` serve (a worker can be limited to some). */
  namespaces: string[];
  /** Hono sub-apps by path prefix, mounted by app.ts with `app.route(prefix, routes)`. */
  routes: Record<string, Hono>;
  handlers: StepHandler[];
  /**
   * Make the workflow's rows follow their tasks: run for every terminal task event
   * (engine/lifecycle.ts). `rowStatusMapper(table, namespaces)` serves a table whose rows each start one task
   * of those namespaces.
   */
  taskStatusMappers?: TaskStatusMapper[];
  /** Registers the workflow's background job processors (they run where the handlers run). */
  registerJobs?(jobs: JobQueue): void;
}

export type WorkflowFactory = (deps: AppDeps) => Workflow;

export const workflowFactories: readonly WorkflowFactory[] = [
  ecommerceWorkflow,
  dataPipelineWorkflow,
  microservicesWorkflow,
  teamScalingWorkflow,
  approvalsWorkflow,
  importsWorkflow,
];

export function createWorkflows(deps: AppDeps): Workflow[] {
  return workflowFactories.map((factory) => factory(deps));
}

/** Every namespace served by the app's workflows. */
export function allNamespaces(workflows: readonly Workflow[]): string[] {
  return [...new Set(workflows.flatMap((w) => w.namespaces))];
}
