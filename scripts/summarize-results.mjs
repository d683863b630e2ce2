#!/usr/bin/env node
// Sums every suite summary in .test-results/ into the single line CI reads last, after a table of
// each suite's counts and time and of each CI step's time (.test-results/steps.tsv, from .ci/run).
import { existsSync, readdirSync, readFileSync } from "node:fs";

const DIR = ".test-results";
const suites = readdirSync(DIR)
  .filter((file) => /^[a-z0-9-]+\.json$/.test(file))
  .sort()
  .map((file) => ({
    name: file.replace(/\.json$/, ""),
    ...JSON.parse(readFileSync(`${DIR}/${file}`, "utf8")),
  }));

const pad = (s, n) => String(s).padEnd(n);
const num = (s, n) => String(s).padStart(n);
const clock = (seconds) =>
  seconds === undefined
    ? ""
    : `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;

console.log(`${pad("suite", 26)}${num("passed", 8)}${num("failed", 8)}${num("time", 9)}`);
for (const s of suites)
  console.log(`${pad(s.name, 26)}${num(s.passed, 8)}${num(s.failed, 8)}${num(clock(s.seconds), 9)}`);

const stepsFile = `${DIR}/steps.tsv`;
if (existsSync(stepsFile)) {
  const steps = readFileSync(stepsFile, "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split("\t"));
  let total = 0;
  console.log(`\n${pad("CI step", 34)}${num("time", 9)}  exit`);
  for (const [name, seconds, rc] of steps) {
    total += Number(seconds);
    console.log(`${pad(name, 34)}${num(clock(Number(seconds)), 9)}  ${rc}`);
  }
  console.log(`${pad("total", 34)}${num(clock(total), 9)}`);
}

const passed = suites.reduce((sum, s) => sum + s.passed, 0);
const failed = suites.reduce((sum, s) => sum + s.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
