// `tasker-ctl init my-app` outside this repository: the project it writes installs the engine as a
// package (built, as npm would install it), and runs and passes its own test as generated.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_DIR, runCli } from "./support/cli-process.js";

const REPO = join(PACKAGE_DIR, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "tasker-init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What `npm install @tasker-ts/tasker` would put in node_modules: the package, built to dist/. */
function builtEngine(): string {
  const root = join(scratch, "engine");
  const pkg = join(root, "packages", "tasker");
  mkdirSync(pkg, { recursive: true });
  cpSync(join(REPO, "tsconfig.base.json"), join(root, "tsconfig.base.json"));
  for (const entry of [
    "package.json",
    "bin",
    "schema",
    "src",
    "ui-assets",
    "tsconfig.build.json",
    "scripts",
  ]) {
    if (existsSync(join(PACKAGE_DIR, entry)))
      cpSync(join(PACKAGE_DIR, entry), join(pkg, entry), { recursive: true });
  }
  // Its dependencies, as npm would install them beside it.
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: pkg, stdio: "pipe" });
  return pkg;
}

describe("tasker-ctl init", { timeout: 600_000 }, () => {
  let project: string;
  let engine: string;
  beforeAll(() => {
    engine = builtEngine();
    project = join(scratch, "work", "my-app");
  }, 300_000);

  it("writes a project: package.json (ES modules, the engine), a template, handlers, a test, worker.toml, README", async () => {
    const { code, stdout } = await runCli(["init", project, "--engine", `file:${engine}`]);
    expect(code).toBe(0);
    expect(stdout).toContain("next: cd");
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "my-app",
      type: "module",
      dependencies: { "@tasker-ts/tasker": `file:${engine}` },
    });
    for (const file of [
      "README.md",
      "worker.toml",
      "templates/greeting.yaml",
      "handlers/greeting.ts",
      "handlers/greeting.test.ts",
    ]) {
      expect(existsSync(join(project, file)), file).toBe(true);
    }
    // Its template and config are valid as written.
    expect((await runCli(["template", "validate", join(project, "templates")])).code).toBe(0);
    expect((await runCli(["config", "validate", join(project, "worker.toml")])).code).toBe(0);
    // A second init into it refuses.
    expect((await runCli(["init", project])).code).toBe(2);
  });

  it("installs, and passes its own test as generated", async (ctx) => {
    const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: project,
      encoding: "utf8",
      timeout: 240_000,
    });
    if (
      install.status !== 0 &&
      /ENOTFOUND|ENETUNREACH|ECONNREFUSED|ETIMEDOUT|ENOTCACHED|EAI_AGAIN/.test(install.stderr)
    ) {
      ctx.skip(`the npm registry cannot be reached: ${install.stderr.split("\n")[0]}`);
    }
    expect(install.status, install.stderr).toBe(0);
    // Outside this repository: no workspace source condition, the engine runs from its dist/.
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "", NO_COLOR: "1" };
    delete env.FORCE_COLOR;
    for (const key of Object.keys(env))
      if (key.startsWith("VITEST") || key.startsWith("npm_")) delete env[key];
    const test = spawnSync("npm", ["test"], { cwd: project, encoding: "utf8", timeout: 240_000, env });
    expect(test.status, `${test.stdout}\n${test.stderr}`).toBe(0);
    expect(test.stdout).toMatch(/Tests\s+2 passed/);
  });
});
