import type { StepHandler } from "@tasker-ts/tasker";
import type { AppDeps } from "../../../lib/deps.js";
import { importBatchHandler } from "./import-batch.js";
import { planImportHandler } from "./plan-import.js";
import { summarizeImportHandler } from "./summarize-import.js";

/** The handlers of templates/imports/sales_import.yaml, one per step. */
export function importsHandlers(deps: AppDeps): StepHandler[] {
  return [planImportHandler(deps), importBatchHandler(deps), summarizeImportHandler(deps)];
}
