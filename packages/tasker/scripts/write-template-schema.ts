// Writes schema/task-template.schema.json from the Zod schema (run after changing template/schema.ts):
//   npx tsx packages/tasker/scripts/write-template-schema.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { taskTemplateJsonSchema } from "../src/template/json-schema.js";

const target = fileURLToPath(new URL("../schema/task-template.schema.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(taskTemplateJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
