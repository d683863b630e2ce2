// Task templates: the YAML format (Zod schema + JSON Schema), loading, DAG checks, Mermaid.
export { closestNames, didYouMean } from "./closest-names.js";
export { ancestorsOf, type DagIssue, type DagStep, rootSteps, topologicalOrder, validateDag } from "./dag.js";
export { ALL_STEPS, environmentIssues, resolveEnvironment } from "./environments.js";
export { formatTemplateIssue, type TemplateIssue, TemplateValidationError } from "./errors.js";
export {
  compileJsonSchema,
  type DataIssue,
  type DataValidationResult,
  validateStepResult,
  validateTaskContext,
} from "./input-schema.js";
export { TASK_TEMPLATE_SCHEMA_ID, taskTemplateJsonSchema } from "./json-schema.js";
export {
  type LoadedTemplate,
  type LoadOptions,
  type LoadTemplatesResult,
  loadTemplateFile,
  loadTemplates,
  type ParsedTemplate,
  parseTemplate,
  parseTemplateObject,
} from "./load.js";
export { type MermaidOptions, templateToMermaid } from "./mermaid.js";
export {
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_SECONDS,
  type EnvironmentOverride,
  type RetryPolicy,
  RetryPolicySchema,
  type StepOverride,
  type StepTemplate,
  StepTemplateSchema,
  type TaskTemplate,
  type TaskTemplateInput,
  TaskTemplateSchema,
  UNSUPPORTED_STEP_TYPES,
} from "./schema.js";
export { templateKey } from "./template-key.js";
