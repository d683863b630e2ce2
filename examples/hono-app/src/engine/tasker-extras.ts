// TEMP: until @tasker-ts/tasker exports startOrchestrationServer from its index (then import it
// from there and delete this file).
export { startOrchestrationServer } from "../../../../packages/tasker/src/api/index.js";
