// Placeholder until the workflow is implemented: no routes, no handlers.
import { Hono } from "hono";
import type { WorkflowFactory } from "../index.js";

export const ecommerceWorkflow: WorkflowFactory = () => ({
  name: "ecommerce",
  namespaces: ["ecommerce"],
  routes: new Hono(),
  handlers: [],
});
