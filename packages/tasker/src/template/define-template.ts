// Code-first templates: the YAML format written in TypeScript, with the steps' handlers given as
// the handler objects themselves. A misspelt handler is then an unknown variable and a misspelt
// dependency an unknown step name: both type errors, not failures at run time. The result is
// checked like any template and exports to YAML for workers in other languages.
import { stringify } from "yaml";
import type { StepHandler } from "../worker/handler.js";
import { parseTemplateObject } from "./load.js";
import type { TaskTemplate, TaskTemplateInput } from "./schema.js";

type StepInput = TaskTemplateInput["steps"][number];

/** One step: the YAML step's keys, with `handler` the handler object and `dependencies` typed. */
export type StepDefinition<Name extends string> = Omit<
  StepInput,
  "name" | "handler" | "dependencies" | "depends_on" | "batch_config"
> & {
  name: Name;
  /** The handler that runs this step (its `callable` goes into the template). */
  handler: StepHandler;
  /** Configuration handed to the handler as ctx.initialization. */
  initialization?: Record<string, unknown>;
  /** Steps that must complete first: names of this template's steps. */
  dependencies?: readonly NoInfer<Name>[];
  /** A batchable step's batches; `worker_template` names one of this template's steps. */
  batch_config?: Omit<NonNullable<StepInput["batch_config"]>, "worker_template"> & {
    worker_template: NoInfer<Name>;
  };
};

/** A template as {@link defineTemplate} takes it: the YAML keys, with typed steps. */
export type TemplateDefinition<Name extends string> = Omit<TaskTemplateInput, "steps"> & {
  steps: readonly StepDefinition<Name>[];
};

/** What {@link defineTemplate} returns. */
export interface DefinedTemplate {
  /** The validated template, defaults applied (for `Tasker.open({ templates })`). */
  readonly template: TaskTemplate;
  /** The handlers its steps name, once each (for `startWorker({ handlers })`). */
  readonly handlers: readonly StepHandler[];
  /** The template as written, in the YAML format: for workers in other languages, or a file. */
  toYaml(): string;
}

/**
 * A task template written in TypeScript:
 * ```ts
 * export const greeting = defineTemplate({
 *   name: "greeting",
 *   namespace_name: "my_app",
 *   version: "1.0.0",
 *   steps: [
 *     { name: "greet", handler: greet },
 *     { name: "shout", handler: shout, dependencies: ["greet"] },
 *   ],
 * });
 * await Tasker.open({ templates: [greeting.template] });
 * ```
 * Validated as a YAML template is (throws TemplateValidationError listing every problem); the
 * keys are the same, see docs/templates.md.
 */
export function defineTemplate<const Name extends string>(
  definition: TemplateDefinition<Name>,
): DefinedTemplate {
  const written = asWritten(definition);
  const { template } = parseTemplateObject(written, `defineTemplate(${definition.name})`, { lenient: false });
  const handlers = [...new Set(definition.steps.map((s) => s.handler))];
  return {
    template,
    handlers,
    toYaml: () =>
      `# ${template.namespace_name}/${template.name}@${template.version}: written by defineTemplate.\n${stringify(written, { lineWidth: 0 })}`,
  };
}

/** The definition in the YAML format: handler objects become `handler: { callable }`. */
function asWritten<Name extends string>(definition: TemplateDefinition<Name>): TaskTemplateInput {
  return {
    ...definition,
    steps: definition.steps.map(({ handler, initialization, dependencies, ...step }) => ({
      ...step,
      handler: { callable: handler.callable, ...(initialization ? { initialization } : {}) },
      ...(dependencies && dependencies.length > 0 ? { dependencies: [...dependencies] } : {}),
    })),
  } as TaskTemplateInput;
}
