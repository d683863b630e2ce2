// Regenerates the parts of docs/ that come from code (docs/api.md, the state diagrams in
// docs/architecture.md). Run through `npm run docs`, or:
//   npx tsx docs/scripts/generate.ts           write them
//   npx tsx docs/scripts/generate.ts --check   exit 1 when a committed file is stale
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCS_DIR, generatedFiles } from "./generated-docs.js";

const check = process.argv.includes("--check");
let stale = 0;
for (const file of await generatedFiles()) {
  const path = join(DOCS_DIR, file.path);
  const actual = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (actual === file.expected) continue;
  if (check) {
    stale++;
    process.stderr.write(`docs/${file.path} is out of date; run \`npm run docs\`\n`);
  } else {
    writeFileSync(path, file.expected);
    process.stdout.write(`wrote docs/${file.path}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
