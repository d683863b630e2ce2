// Placeholder until the workflow is implemented: no routes, no handlers.
import { Hono } from "hono";
import type { WorkflowFactory } from "../index.js";

export const microservicesWorkflow: WorkflowFactory = () => ({
  name: "microservices",
  namespaces: ["microservices"],
  routes: new Hono(),
  handlers: [],
});
