// Placeholder until the workflow is implemented: no routes, no handlers.
import { Hono } from "hono";
import type { WorkflowFactory } from "../index.js";

export const dataPipelineWorkflow: WorkflowFactory = () => ({
  name: "data-pipeline",
  namespaces: ["data_pipeline"],
  routes: new Hono(),
  handlers: [],
});
