import { describe, expect, it } from "vitest";
import { compareResults } from "./compare.js";
import { resultsTable } from "./report.js";
import { emptyResult } from "./results.js";
import { measureStart } from "./startup.js";

const node = process.execPath;

describe("measureStart", () => {
  it("times a real process to its ready line, then stops its whole process group", async () => {
    // A parent that starts a child (as npm starts tsx) which prints the banner after ~300 ms.
    const child = `setTimeout(() => console.log("hono-app is running"), 300); process.on("SIGINT", () => process.exit(0)); setInterval(() => {}, 1000);`;
    const parent = `console.log("starting"); require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "inherit" }).on("exit", () => process.exit(0)); process.on("SIGINT", () => {}); setInterval(() => {}, 1000);`;
    const run = await measureStart({
      command: node,
      args: ["-e", parent],
      cwd: process.cwd(),
      env: process.env,
    });
    expect(run.readyMs).toBeGreaterThanOrEqual(250);
    expect(run.firstOutputMs).not.toBeNull();
    expect(run.firstOutputMs!).toBeLessThan(run.readyMs);
    expect(run.output).toContain("starting");
    if (process.platform === "linux") expect(run.cpuMs).toBeGreaterThan(0);
  });

  it("says what the process printed when it exits before being ready", async () => {
    await expect(
      measureStart({
        command: node,
        args: ["-e", `console.error("port 3000 is taken"); process.exit(1)`],
        cwd: process.cwd(),
        env: process.env,
      }),
    ).rejects.toThrow(/exited \(1\) before it was ready:[\s\S]*port 3000 is taken/);
  });
});

describe("startup results", () => {
  const result = (startup: "first" | "fresh" | "warm", p50: number) => ({
    ...emptyResult({
      system: "tasker",
      backend: "pglite",
      transport: "postgres",
      workflow: null,
      mode: "startup",
      concurrency: 1,
      runs: 1,
    }),
    startup,
    p50_ms: p50,
  });

  it("hold the warm start to 3 s and report the others", () => {
    const findings = compareResults([result("first", 9000), result("fresh", 4000), result("warm", 2500)]);
    expect(findings.find((f) => f.label.includes("warm"))).toMatchObject({ value: 2500, met: true });
    expect(findings.find((f) => f.label.includes("first run"))).toMatchObject({ value: 9000 });
    expect(compareResults([result("warm", 3100)])[0]).toMatchObject({ met: false, target: "≤ 3000 ms" });
  });

  it("name the kind of start in the table", () => {
    expect(resultsTable([result("warm", 2500)])).toContain("npm start, warm");
  });
});
