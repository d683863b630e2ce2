#!/usr/bin/env node
// Sums every suite summary in .test-results/ into the single line CI reads last.
import { readdirSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
for (const file of readdirSync(".test-results")) {
  if (!/^[a-z0-9-]+\.json$/.test(file)) continue;
  const r = JSON.parse(readFileSync(`.test-results/${file}`, "utf8"));
  passed += r.passed;
  failed += r.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
