// The public API of @tasker-ts/tasker, and nothing else.
export * from "./client/tasker-client.js";
export * from "./model/index.js";
export type { Logger } from "./observability/logger.js";
export { createLogger } from "./observability/logger.js";
export * from "./state/index.js";
export { type HandlerErrorOptions, PermanentError, RetryableError } from "./worker/errors.js";
export {
  defineHandler,
  type HandlerSpec,
  isStepHandler,
  type StepContext,
  type StepHandler,
  StepHandlerBase,
} from "./worker/handler.js";
