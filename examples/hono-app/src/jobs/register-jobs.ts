// Every background job processor of the app, registered wherever step handlers run (the app
// process, and worker-only processes), because handlers enqueue jobs there.
import type { AppDeps } from "../lib/deps.js";
import type { Workflow } from "../workflows/index.js";
import { registerEmailDelivery } from "./email.js";

export function registerAppJobs(deps: AppDeps, workflows: readonly Workflow[]): void {
  registerEmailDelivery(deps);
  for (const workflow of workflows) workflow.registerJobs?.(deps.jobs);
}
