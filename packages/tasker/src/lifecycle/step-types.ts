import type { StepOfTemplate } from "../store/sql/step-origin.js";
import type { TemplateStore } from "../store/template-store.js";
import type { StepType, TaskTemplate } from "../template/schema.js";

/** A step's type; undefined when its template version is not registered, or names no such step. */
export type StepTypeOf = (step: StepOfTemplate) => Promise<StepType | undefined>;

const typesByTemplate = new WeakMap<TaskTemplate, ReadonlyMap<string, StepType>>();

/** Step types from the process's template cache: a version is read once, then kept. */
export function stepTypesFrom(templates: Pick<TemplateStore, "get">): StepTypeOf {
  return async (step) => {
    const template = await templates.get(step.namespace, step.task_name, step.version);
    if (!template) return undefined;
    let types = typesByTemplate.get(template);
    if (!types) {
      types = new Map(template.steps.map((s) => [s.name, s.type]));
      typesByTemplate.set(template, types);
    }
    return types.get(step.name);
  };
}
