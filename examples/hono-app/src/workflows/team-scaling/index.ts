// Placeholder until the workflow is implemented: no routes, no handlers.
import { Hono } from "hono";
import type { WorkflowFactory } from "../index.js";

export const teamScalingWorkflow: WorkflowFactory = () => ({
  name: "team-scaling",
  namespaces: ["sales", "compliance"],
  routes: new Hono(),
  handlers: [],
});
