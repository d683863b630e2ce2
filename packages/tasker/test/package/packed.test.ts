// The package as a user installs it: built and packed by `npm pack` (its prepack builds dist/),
// installed from the tarball into a project outside this workspace, where a workflow runs from
// TypeScript compiled with tsc and from plain ESM JavaScript on embedded PGlite, and tasker-ctl
// answers from the compiled CLI. Nothing of the workspace leaks in: the package is packed from a
// copy (its dist/ never appears in the checkout), and the processes run without NODE_OPTIONS, so
// no "@tasker-ts/source" condition reaches them.
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");
const TYPES_NODE_VERSION = (require("@types/node/package.json") as { version: string }).version;

/**
 * The environment of every command here: none of the workspace's NODE_OPTIONS (its source
 * condition) nor the npm settings an npm script passes down (npm_config_local_prefix would point a
 * nested npm at the workspace).
 */
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => k !== "NODE_OPTIONS" && k !== "INIT_CWD" && !/^npm_/i.test(k),
    ),
  ),
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

async function sh(command: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`,
    );
  }
}

const TEMPLATE = `name: hello
namespace_name: packed
version: 1.0.0
steps:
  - name: greet
    handler: { callable: packed.greet }
  - name: shout
    handler: { callable: packed.shout }
    dependencies: [greet]
`;

/** The same program in TypeScript and JavaScript: one template, two handlers, a task to complete. */
const program = (typed: boolean) => `import { createLogger, defineHandler, Tasker } from "@tasker-ts/tasker";
${typed ? 'import type { TaskResponse } from "@tasker-ts/tasker/client";\n' : ""}
const greet = defineHandler("packed.greet", {}, ({ input }) => ({ greeting: \`hello \${String(input.name)}\` }));
const shout = defineHandler("packed.shout", {}, ({ dependencyResults }) => ({
  shouted: String((dependencyResults.greet${typed ? " as { greeting: string }" : ""}).greeting).toUpperCase(),
}));

const tasker = await Tasker.open({
  dataDir: "memory://",
  templatePaths: ["templates"],
  logger: createLogger({ level: "silent" }),
});
try {
  await tasker.startOrchestrator();
  await tasker.startWorker({ handlers: [greet, shout] });
  const { task } = await tasker.client.createTask({ namespace: "packed", name: "hello", context: { name: "${typed ? "ts" : "js"}" } });
  const done${typed ? ": TaskResponse" : ""} = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
  console.log(JSON.stringify({ status: done.status, results: done.steps.map((s) => s.results) }));
} finally {
  await tasker.close();
}
`;

/** Every other entry point loads and has what it is for. */
const ENTRY_POINTS = `const checks = {
  "@tasker-ts/tasker/client": "TaskerHttpClient",
  "@tasker-ts/tasker/api": "startOrchestrationServer",
  "@tasker-ts/tasker/ui": "createDashboardApp",
  "@tasker-ts/tasker/protocol": "ClaimRequestSchema",
  "@tasker-ts/tasker/testing": "createTestDatabase",
};
for (const [entry, name] of Object.entries(checks)) {
  if (typeof (await import(entry))[name] === "undefined") throw new Error(entry + " has no " + name);
}
console.log("entry points ok");
`;

describe("the packed package", () => {
  const stage = mkdtempSync(join(tmpdir(), "tasker-packed-"));
  afterAll(() => rmSync(stage, { recursive: true, force: true }));

  it("installs from its tarball and runs a workflow from TypeScript (tsc) and from JavaScript", async () => {
    // A copy of the package at the same depth under a copy of the base tsconfig, with this
    // checkout's node_modules (the compiler and the types the build needs).
    const copy = join(stage, "repo", "packages", "tasker");
    mkdirSync(copy, { recursive: true });
    for (const entry of [
      "package.json",
      "tsconfig.build.json",
      "bin",
      "schema",
      "scripts",
      "src",
      "ui-assets",
    ]) {
      cpSync(join(PACKAGE_DIR, entry), join(copy, entry), { recursive: true });
    }
    cpSync(join(REPO_ROOT, "tsconfig.base.json"), join(stage, "repo", "tsconfig.base.json"));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(stage, "repo", "node_modules"));
    await sh("npm", ["pack", "--pack-destination", stage], copy);
    const tarball = join(stage, readdirSync(stage).find((f) => f.endsWith(".tgz"))!);

    const files = (await sh("tar", ["-tzf", tarball], stage)).split("\n");
    for (const f of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/store/migrations/001_initial.sql",
      "bin/tasker-ctl.js",
    ]) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => f.endsWith(".test.ts"))).toEqual([]);

    const app = join(stage, "app");
    mkdirSync(join(app, "templates"), { recursive: true });
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "packed-app", private: true, type: "module" }),
    );
    writeFileSync(join(app, "templates", "hello.yaml"), TEMPLATE);
    writeFileSync(join(app, "main.ts"), program(true));
    writeFileSync(join(app, "main.mjs"), program(false));
    writeFileSync(join(app, "entry-points.mjs"), ENTRY_POINTS);
    // Strict, and without skipLibCheck: the package's declarations must compile as shipped, with
    // no type missing (one from a devDependency, say).
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: false,
          types: ["node"],
          outDir: "dist",
        },
        files: ["main.ts"],
      }),
    );
    await sh(
      "npm",
      ["install", "--prefer-offline", "--ignore-scripts", tarball, `@types/node@${TYPES_NODE_VERSION}`],
      app,
    );

    // The JavaScript program, the checks of the other entry points and of tasker-ctl run while tsc
    // compiles the TypeScript one; then that one runs.
    const version = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")).version as string;
    const tasker = join(app, "node_modules", ".bin", "tasker-ctl");
    const [compiled, js, entryPoints, ctlVersion, validated] = await Promise.all([
      // Errors inside other packages' declarations are theirs (PGlite's need @types/emscripten).
      run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: app, env }).then(
        () => "",
        (err: { stdout?: string }) => err.stdout ?? String(err),
      ),
      sh(process.execPath, ["main.mjs"], app),
      sh(process.execPath, ["entry-points.mjs"], app),
      sh(tasker, ["--version"], app),
      sh(tasker, ["template", "validate", "templates"], app),
    ]);
    const ours = compiled
      .split("\n")
      .filter((line) => /error TS/.test(line) && !/^node_modules\/(?!@tasker-ts\/)/.test(line));
    expect(ours).toEqual([]);
    const ts = await sh(process.execPath, ["dist/main.js"], app);
    for (const [language, out] of [
      ["ts", ts],
      ["js", js],
    ] as const) {
      expect(JSON.parse(out.trim().split("\n").pop()!), language).toEqual({
        status: "complete",
        results: [{ greeting: `hello ${language}` }, { shouted: `HELLO ${language.toUpperCase()}` }],
      });
    }
    expect(entryPoints.trim()).toBe("entry points ok");
    expect(ctlVersion.trim()).toBe(version);
    expect(validated).toMatch(/hello/);
  }, 240_000);
});
