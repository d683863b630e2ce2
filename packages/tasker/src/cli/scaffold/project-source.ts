// `tasker-ctl init <dir>`: a project that runs as generated. One template (two steps, the second
// depending on the first), their handlers, a test running the workflow end to end on an in-memory
// engine, a worker.toml, a README. Pure: the files as text.
import { generateConfigToml } from "../../config/generate.js";
import { words } from "./names.js";

export interface ProjectScaffold {
  /** package.json name, e.g. my-app. */
  name: string;
  /** The template's namespace, e.g. my_app. */
  namespace: string;
  /** How package.json depends on the engine: a semver range, or `file:...` for a checkout. */
  engineSpec: string;
  /** Versions for the other dependencies (zod, vitest, tsx). */
  versions: { zod: string; vitest: string; tsx: string };
}

/** `My App`, `my-app`, `my_app` -> `my-app` (npm) and `my_app` (namespace). */
export function projectNames(dir: string): { name: string; namespace: string } {
  const parts = words(dir.replace(/.*[\\/]/, ""));
  if (parts.length === 0 || !/^[a-z]/.test(parts[0]!)) {
    throw new Error(
      `"${dir}" cannot name a project: its last part must start with a letter (e.g. tasker-ctl init my-app)`,
    );
  }
  const clean = parts.map((p) => p.replace(/[^a-z0-9]/g, "")).filter(Boolean);
  return { name: clean.join("-"), namespace: clean.join("_").slice(0, 29) };
}

export function projectFiles(s: ProjectScaffold): { path: string; content: string }[] {
  return [
    { path: "package.json", content: packageJson(s) },
    { path: "README.md", content: readme(s) },
    { path: ".gitignore", content: "node_modules/\n.data/\n" },
    {
      path: "worker.toml",
      content: generateConfigToml({ searchPaths: ["templates"], handlerPaths: ["handlers"] }),
    },
    { path: "templates/greeting.yaml", content: template(s) },
    { path: "handlers/greeting.ts", content: handlers(s) },
    { path: "handlers/greeting.test.ts", content: test(s) },
  ];
}

function packageJson(s: ProjectScaffold): string {
  return `${JSON.stringify(
    {
      name: s.name,
      version: "0.1.0",
      private: true,
      // Handler modules are ES modules (see the README).
      type: "module",
      scripts: {
        start: "tasker-ctl serve --templates ./templates --handlers ./handlers",
        test: "vitest run",
        validate: "tasker-ctl template validate templates && tasker-ctl config validate worker.toml",
      },
      dependencies: { "@tasker-ts/tasker": s.engineSpec, zod: s.versions.zod },
      devDependencies: { tsx: s.versions.tsx, vitest: s.versions.vitest },
    },
    null,
    2,
  )}\n`;
}

function template(s: ProjectScaffold): string {
  return `# A task template: named steps, each run by a handler (handlers/greeting.ts), and the
# dependencies between them. Check it with: npx tasker-ctl template validate templates
name: greeting
namespace_name: ${s.namespace}
version: "0.1.0"
description: Greet someone, then shout the greeting.
input_schema:
  type: object
  required: [name]
  properties:
    name: { type: string, minLength: 1 }
steps:
  - name: greet
    handler: { callable: ${s.namespace}.greet }
  - name: shout
    dependencies: [greet]
    handler: { callable: ${s.namespace}.shout }
    retry: { max_attempts: 3, backoff: exponential, backoff_base_ms: 500 }
`;
}

function handlers(s: ProjectScaffold): string {
  return `import { defineHandler } from "@tasker-ts/tasker";
import { z } from "zod";

/** Runs the steps whose template says \`handler: { callable: ${s.namespace}.greet }\`. */
export const greet = defineHandler(
  "${s.namespace}.greet",
  // The task context this step reads; a context that does not match fails the step for good.
  { inputs: z.object({ name: z.string().min(1) }) },
  async ({ input }) => ({ greeting: \`Hello, \${input.name}!\` }),
);

/** Reads greet's result: the engine hands every step its ancestors' results. */
export const shout = defineHandler(
  "${s.namespace}.shout",
  { depends: { greet: z.object({ greeting: z.string() }) } },
  async ({ dependencyResults }) => ({ shouted: dependencyResults.greet.greeting.toUpperCase() }),
);
`;
}

function test(s: ProjectScaffold): string {
  return `import { fileURLToPath } from "node:url";
import { Tasker } from "@tasker-ts/tasker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greet, shout } from "./greeting.js";

const templates = fileURLToPath(new URL("../templates", import.meta.url));

// The whole workflow on an engine in memory: the template, an orchestrator and a worker.
describe("greeting", () => {
  let tasker: Tasker;
  beforeAll(async () => {
    tasker = await Tasker.open({ dataDir: "memory://", templatePaths: [templates] });
    await tasker.startOrchestrator();
    await tasker.startWorker({ handlers: [greet, shout] });
  }, 120_000);
  afterAll(async () => {
    await tasker?.close();
  });

  it("greets, then shouts the greeting", async () => {
    const { task } = await tasker.client.createTask({
      namespace: "${s.namespace}",
      name: "greeting",
      context: { name: "Ada" },
    });
    const done = await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 30_000 });
    expect(done.status).toBe("complete");
    const shouted = done.steps.find((step) => step.name === "shout");
    expect(shouted?.results).toEqual({ shouted: "HELLO, ADA!" });
  });

  it("refuses a context without a name", async () => {
    await expect(
      tasker.client.createTask({ namespace: "${s.namespace}", name: "greeting", context: {} }),
    ).rejects.toThrow(/name/);
  });
});
`;
}

function readme(s: ProjectScaffold): string {
  return `# ${s.name}

A [tasker-ts](https://github.com/tasker-systems/tasker-core) project: a workflow (a task
template) and the step handlers that run it.

| Path | What |
| --- | --- |
| \`templates/greeting.yaml\` | The workflow: \`greet\`, then \`shout\` |
| \`handlers/greeting.ts\` | The handlers, one per step (\`${s.namespace}.greet\`, \`${s.namespace}.shout\`) |
| \`handlers/greeting.test.ts\` | Runs the workflow end to end on an in-memory engine |
| \`worker.toml\` | The engine's settings (\`npx tasker-ctl config validate worker.toml\`) |

\`\`\`sh
npm install
npm test            # the workflow, end to end
npm start           # the orchestration API on http://127.0.0.1:8080, a worker, embedded PGlite in .data/
\`\`\`

With it running, in another terminal:

\`\`\`sh
npx tasker-ctl task create --namespace ${s.namespace} --name greeting --context '{"name": "Ada"}' --wait
\`\`\`

Handlers are ES modules (\`"type": "module"\` in package.json). Add a step: a handler in
\`handlers/\`, the step in the template (\`npx tasker-ctl template validate templates\`), a test.
`;
}
