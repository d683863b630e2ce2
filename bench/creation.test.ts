import { describe, expect, it } from "vitest";
import { creationFindings } from "./creation.js";
import { type BenchResult, emptyResult } from "./results.js";

const result = (
  backend: "postgres" | "pglite",
  creation: BenchResult["creation"],
  tasksPerS: number,
): BenchResult => ({
  ...emptyResult({
    system: "tasker",
    backend,
    transport: "postgres",
    workflow: "linear5",
    mode: "creation",
    concurrency: 8,
    runs: 100,
  }),
  creation,
  batch_size: creation === "batch" ? 1000 : null,
  tasks_per_s: tasksPerS,
});

describe("creationFindings", () => {
  it("marks PostgreSQL's figures against 1,000 creates/s one at a time and 10,000 tasks/s in batches", () => {
    const findings = creationFindings([
      result("postgres", "http", 1200),
      result("postgres", "batch", 8000),
      result("pglite", "in-process", 900),
    ]);
    const http = findings.find((f) => f.label.includes("POST /v1/tasks ("));
    expect(http).toMatchObject({ value: 1200, target: "≥ 1000 tasks/s", met: true });
    const batch = findings.find((f) => f.label.includes("createTasks, 1000 a call ("));
    expect(batch).toMatchObject({ value: 8000, target: "≥ 10000 tasks/s", met: false });
    expect(findings.find((f) => f.label.includes("createTasks") && f.unit === "×")?.value).toBeCloseTo(0.8);
    const pglite = findings.find((f) => f.label.includes("on pglite"));
    expect(pglite?.target).toBeUndefined();
  });
});
