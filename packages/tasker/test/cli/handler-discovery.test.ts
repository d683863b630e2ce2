// Handler discovery in a project as `npm init` makes it: package.json without "type" (CommonJS).
// Issue #28: `tasker-ctl worker --handlers` failed there with Node's "Cannot require() ES Module
// ... in a cycle". Now it says exactly what to change, and both changes work.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import { PACKAGE_DIR, runCli, startCli } from "./support/cli-process.js";

const project = mkdtempSync(join(tmpdir(), "tasker-cjs-project-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe.runIf(testBackends().includes("pglite"))(
  "handler discovery in a CommonJS npm project",
  { timeout: 180_000 },
  () => {
    mkdirSync(join(project, "handlers"));
    mkdirSync(join(project, "templates"));
    // As `npm install @tasker-ts/tasker` would: the packages under node_modules.
    symlinkSync(join(PACKAGE_DIR, "..", "..", "node_modules"), join(project, "node_modules"));
    writeFileSync(
      join(project, "handlers", "hello.ts"),
      'import { defineHandler } from "@tasker-ts/tasker";\nexport const greet = defineHandler("hello.greet", {}, async () => ({ hi: true }));\n',
    );
    writeFileSync(
      join(project, "templates", "greeting.yaml"),
      "name: greeting\nnamespace_name: hello\nversion: 1.0.0\nsteps:\n  - name: greet\n    handler: { callable: hello.greet }\n",
    );
    const packageJson = (type?: string) =>
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({ name: "my-app", version: "1.0.0", main: "index.js", ...(type ? { type } : {}) }),
      );
    const args = (db: string) => [
      "worker",
      "--handlers",
      "./handlers",
      "--templates",
      "./templates",
      "--data-dir",
      db,
    ];
    const ready = /serving hello with 1 handlers/;

    it('says exactly what to change when package.json has no "type": "module"', async () => {
      packageJson();
      const { code, stderr } = await runCli(args(".data-1"), { cwd: project });
      expect(code).toBe(2);
      expect(stderr).toContain(
        `cannot load the handler module ${join(project, "handlers", "hello.ts")}: Node loads it as CommonJS, because ${join(project, "package.json")} has no "type": "module"`,
      );
      expect(stderr).toContain(
        `Add "type": "module" to ${join(project, "package.json")}, or rename the handler files to .mts`,
      );
      expect(stderr).not.toContain("in a cycle");
    });

    it('runs the handlers once package.json says "type": "module"', async () => {
      packageJson("module");
      const worker = await startCli(args(".data-2"), { cwd: project, ready });
      expect(await worker.stop()).toBe(0);
    });

    it("runs .mts handlers in the CommonJS project", async () => {
      packageJson();
      renameSync(join(project, "handlers", "hello.ts"), join(project, "handlers", "hello.mts"));
      const worker = await startCli(args(".data-3"), { cwd: project, ready });
      expect(await worker.stop()).toBe(0);
    });
  },
);
