// Workflow 6: bulk import of a sales CSV in batches with checkpoints, namespace `imports`.
// plan_import (batchable) -> import_batch_001..N (batch workers) -> summarize_import (convergence)

import { sales_imports } from "../../db/schema.js";
import { rowStatusMapper } from "../../engine/lifecycle.js";
import type { WorkflowFactory } from "../index.js";
import { importRoutes } from "./routes.js";
import { importsHandlers } from "./steps/index.js";

export const importsWorkflow: WorkflowFactory = (deps) => ({
  name: "imports",
  namespaces: ["imports"],
  routes: { "/imports": importRoutes(deps) },
  handlers: importsHandlers(deps),
  taskStatusMappers: [rowStatusMapper(sales_imports, ["imports"])],
});
