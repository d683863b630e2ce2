import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { TASK_TEMPLATE_SCHEMA_ID, taskTemplateJsonSchema } from "./json-schema.js";

const committedPath = new URL("../../schema/task-template.schema.json", import.meta.url);
const fixture = (name: string) =>
  parse(readFileSync(new URL(`../../test/fixtures/templates/${name}`, import.meta.url), "utf8"));

describe("taskTemplateJsonSchema", () => {
  it("matches the committed schema/task-template.schema.json", () => {
    const committed = JSON.parse(readFileSync(committedPath, "utf8"));
    // If this fails: npx tsx packages/tasker/scripts/write-template-schema.ts, then commit the file.
    expect(
      committed,
      "schema/task-template.schema.json is stale; run scripts/write-template-schema.ts",
    ).toEqual(taskTemplateJsonSchema());
  });

  it("has an id and title, and keeps keys with defaults optional", () => {
    const schema = taskTemplateJsonSchema() as {
      $id: string;
      title: string;
      required: string[];
      properties: { steps: { items: { required: string[] } } };
    };
    expect(schema.$id).toBe(TASK_TEMPLATE_SCHEMA_ID);
    expect(schema.title).toMatch(/task template/);
    expect(schema.required.sort()).toEqual(["name", "namespace_name", "steps", "version"]);
    expect(schema.properties.steps.items.required.sort()).toEqual(["handler", "name"]);
  });

  it("accepts the valid fixtures and rejects a bad name (as an editor would)", () => {
    const validate = new Ajv2020({ strict: false }).compile(taskTemplateJsonSchema());
    for (const name of ["linear.yaml", "diamond.yaml", "pipelines/fan-out-fan-in.yml"]) {
      expect(validate(fixture(name)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate(fixture("invalid/bad-template-name.yaml"))).toBe(false);
    expect(validate(fixture("invalid/invalid-step-type.yaml"))).toBe(false);
  });
});
