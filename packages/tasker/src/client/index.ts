// `@tasker-ts/tasker/client`: driving the engine. `TaskerClient` is what `tasker.client` (in
// process) and `TaskerHttpClient` (over the REST API) both implement; requests, responses, the
// states they report and the errors they throw are the same for both.

export type {
  HealthResponse,
  TemplateDetail,
  TemplateListResponse,
  TemplateSummary,
} from "../api/wire-schemas.js";
export { ERROR_CODES, type ErrorCode, type ErrorEnvelope, TaskerError } from "../model/errors.js";
export type { StepAction } from "../model/step-action.js";
export {
  CONTEXT_LIMITS,
  NAMESPACE_PATTERN,
  type TaskRequest,
  TEMPLATE_NAME_PATTERN,
} from "../model/task-request.js";
export type {
  ListTasksQuery,
  StepError,
  StepResponse,
  StepTransition,
  TaskListResponse,
  TaskResponse,
  TaskSummary,
  TaskTransition,
} from "../model/task-response.js";
export { STEP_STATES, STEP_TERMINAL_STATES, type StepState } from "../state/step-states.js";
export { TASK_STATES, TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
export { TaskerHttpClient, type TaskerHttpClientOptions } from "./http-client.js";
export type { CreateTaskResult, TaskerClient, WaitForTaskOptions } from "./tasker-client.js";
