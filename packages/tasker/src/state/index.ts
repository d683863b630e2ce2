export * from "./step-states.js";
export * from "./task-states.js";
export * from "./transitions.js";
