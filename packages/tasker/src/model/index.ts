export * from "./context-limits.js";
export * from "./errors.js";
export * from "./step-action.js";
export * from "./task-request.js";
export * from "./task-response.js";
