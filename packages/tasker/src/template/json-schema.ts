import { z } from "zod";
import { TaskTemplateSchema } from "./schema.js";

/** The `$id` of the published task template JSON Schema. */
export const TASK_TEMPLATE_SCHEMA_ID = "urn:tasker-ts:schema:task-template";

/**
 * The published JSON Schema of the template format (for editors: validation and completion).
 * Generated from the Zod schema's input side, so keys with defaults are optional.
 * `scripts/write-template-schema.ts` writes it to `schema/task-template.schema.json`.
 */
export function taskTemplateJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(TaskTemplateSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: TASK_TEMPLATE_SCHEMA_ID,
    title: "tasker-ts task template",
    description:
      "A workflow: named steps with handlers, dependencies, retry and timeouts. One template per YAML file.",
    ...rest,
  };
}
