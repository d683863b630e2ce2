// Every example of tasker-ctl's --help texts, every shell block of the docs pages and the check
// command the shipped worker.toml files name run here,
// in a fresh copy of the repository (docs/quickstart/typescript.md's blocks run in
// quickstart.test.ts). Issue #28: `task create --help`'s example failed against the example app's
// own template. Each is run as written except for:
//   - the ports 3000 and 8080, replaced by free ones (as the quickstart test does);
//   - the PostgreSQL URL postgres://postgres:postgres@127.0.0.1:5432/tasker, a fresh database;
//   - /tmp/t, a fresh folder; `<task_uuid>` in the example app's README, a task it just made.
// Where an example runs: "project" is a folder made by `tasker-ctl init my-app` in the copy,
// "repo" the copy's root, "app" the root with the example app running (`npm start`), "empty" a new
// empty folder. Long-running commands (serve, worker) run until they say they are ready, then get
// SIGTERM. An example or block in neither RUN nor SKIPPED fails the test: classify new ones.
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliContext } from "../../packages/tasker/src/cli/context.js";
import { buildProgram, runCli } from "../../packages/tasker/src/cli/main.js";
import {
  createTestDatabase,
  type TestDatabase,
  testBackends,
} from "../../packages/tasker/src/testing/index.js";
import { codeBlocks } from "./support/markdown-blocks.js";
import { cleanEnvironment, ShellSession, waitForUrl } from "./support/shell-session.js";
import { createTempRepo, REPO_ROOT, type TempRepo } from "./support/temp-repo.js";

type Where = "project" | "repo" | "app" | "empty";
interface Run {
  where: Where;
  /** Long-running: ready once this appears in its output. */
  ready?: RegExp;
  /** The output must contain this. */
  expect?: string;
  /** Needs PostgreSQL (skipped when the suite runs without it). */
  postgres?: boolean;
  /** Shell run before it in the same session (sets variables a placeholder stands for). */
  before?: string;
}

/** The API `task` commands talk to by default (their --url); then moved to the app's port. */
const TASK_COMMANDS_URL = "export ORCHESTRATION_URL=http://localhost:8080";
const PG_URL = "postgres://postgres:postgres@127.0.0.1:5432/tasker";
const SERVE_READY = /orchestration API on http:\/\/\S+ \(/;
const WORKER_READY = /tasker-ctl worker \S+: serving/;

/** --help examples, in the order they run (task create's make $uuid for template visualize's). */
const ORDER_1 =
  '{"order_id":1,"customer_email":"ada@example.com","items":[{"sku":"WIDGET-001","quantity":2}],"payment_info":{"method":"card","token":"tok_visa"}}';
const ORDER_2 =
  '{"order_id":2,"customer_email":"ada@example.com","items":[{"sku":"GADGET-002","quantity":1}],"payment_info":{"method":"card","token":"tok_visa"}}';
const HELP_RUN: [string, Run][] = [
  [
    "tasker-ctl serve --templates ./templates                          # embedded PGlite in .data/tasker",
    { where: "project", ready: SERVE_READY },
  ],
  [
    `DATABASE_URL=${PG_URL} TASKER_API_KEY=$(openssl rand -hex 32) tasker-ctl serve --port 8080`,
    { where: "project", ready: SERVE_READY, postgres: true },
  ],
  [
    "tasker-ctl serve --data-dir /tmp/t --templates ./templates --handlers ./handlers   # all in one process",
    { where: "project", ready: /worker on my_app/ },
  ],
  [
    `DATABASE_URL=${PG_URL} tasker-ctl worker --handlers ./handlers --templates ./templates`,
    { where: "project", ready: WORKER_READY, postgres: true },
  ],
  ["tasker-ctl worker --config worker.toml", { where: "project", ready: WORKER_READY }],
  [
    "tasker-ctl worker --orchestration-url http://127.0.0.1:8080 --handlers ./handlers --templates ./templates",
    { where: "project", ready: /serving my_app with 2 handlers \(through http/ },
  ],
  [
    `tasker-ctl task create --namespace ecommerce --name order_processing --wait \\\n      --context '${ORDER_1}'`,
    { where: "app", expect: "complete", before: TASK_COMMANDS_URL },
  ],
  [`echo '${ORDER_2}' > order.json`, { where: "app" }],
  [
    "uuid=$(tasker-ctl task create --namespace ecommerce --name order_processing --context-file order.json -q)",
    { where: "app", before: TASK_COMMANDS_URL },
  ],
  [
    "tasker-ctl template visualize examples/hono-app/templates/ecommerce/order_processing.yaml > graph.mmd",
    { where: "app" },
  ],
  [
    "tasker-ctl template visualize --task $uuid --url http://localhost:8080 --markdown",
    { where: "app", expect: "```mermaid" },
  ],
];

const HELP_SKIPPED: Record<string, string> = {
  "tasker-ctl init my-app && cd my-app && npm install && npm test":
    "npm install from the registry outside the repository: packages/tasker/test/cli/init.test.ts runs it",
};

/** Docs pages whose shell blocks are checked, and what becomes of each block (by its first line). */
const PAGES = ["README.md", "CONTRIBUTING.md", "examples/hono-app/README.md", ...docsPages()];

function docsPages(): string[] {
  return [
    "architecture",
    "configuration",
    "deployment",
    "handlers",
    "reliability",
    "templates",
    "transports",
    "worker-protocol",
    "api",
    "README",
  ].map((p) => `docs/${p}.md`);
}

const DOCS_RUN: Record<string, Run> = {
  "docs/configuration.md: npx tasker-ctl config generate --out worker.toml    # every setting at its default, commented":
    { where: "empty", expect: "ok      worker.toml" },
  "docs/templates.md: npx tasker-ctl template validate examples/hono-app/templates     # exit 2 on any error":
    {
      where: "repo",
      expect: "flowchart",
    },
  "examples/hono-app/README.md: curl -s localhost:3000/products": { where: "app", expect: "WIDGET-001" },
  "examples/hono-app/README.md: curl -s -X POST localhost:3000/orders -H 'content-type: application/json' -d '{":
    {
      where: "app",
      expect: '"task_uuid"',
    },
  "examples/hono-app/README.md: curl -s localhost:8080/v1/tasks/<task_uuid>": {
    where: "app",
    expect: '"workflow_step_uuid"',
    before: "TASK_UUID=$(curl -s localhost:3000/orders/5 | jq -r .task_uuid)",
  },
  "examples/hono-app/README.md: curl -s -X POST localhost:3000/analytics/jobs -H 'content-type: application/json' \\":
    {
      where: "app",
      expect: '"id"',
    },
  "examples/hono-app/README.md: curl -s -X POST localhost:3000/services/requests -H 'content-type: application/json' \\":
    { where: "app", expect: '"task_uuid"' },
  "examples/hono-app/README.md: curl -s -X POST localhost:3000/refunds -H 'content-type: application/json' \\":
    { where: "app", expect: '"order_ref":"ORD-1002"' },
  "examples/hono-app/README.md: curl -s -X POST localhost:3000/imports -H 'content-type: application/json' -d '{\"batch_size\": 5}'":
    { where: "app", expect: '"batch_size":5' },
};

const DOCS_SKIPPED: Record<string, string> = {
  "README.md: npx tasker-ctl init my-app && cd my-app && npm install && npm test":
    "npm install from the registry outside the repository: packages/tasker/test/cli/init.test.ts runs it",
  "README.md: npm install && npm start": "npm start is the quickstart's first block (quickstart.test.ts)",
  "README.md: sudo scripts/services.sh   # once per boot: PostgreSQL, RabbitMQ, Chromium and Ruby (Debian packages)":
    "root, and npm test is the whole suite",
  "CONTRIBUTING.md: sudo scripts/services.sh            # or: scripts/services.sh postgres rabbitmq chromium ruby (any subset)":
    "root",
  "examples/hono-app/README.md: npm install            # at the repository root":
    "npm start is the quickstart's first block (quickstart.test.ts)",
  "examples/hono-app/README.md: TASKER_WORKER_NAMESPACES=ecommerce,data_pipeline,microservices npm start   # app + orchestrator":
    "separate processes on a PostgreSQL the app is configured for: examples/hono-app/test/app-worker-process.test.ts",
  "examples/hono-app/README.md: ORCHESTRATION_URL=http://127.0.0.1:8080 APP_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/hono_app \\":
    "a remote worker with the app's PostgreSQL: examples/hono-app/test/app-worker-process.test.ts",
  "examples/hono-app/README.md: npx vitest run --project hono-app:unit           # pure domain logic, beside the code":
    "these are the test suites themselves",
  "docs/deployment.md: TASKER_MESSAGING_BACKEND=rabbitmq": "settings of a deployment, not commands",
  "docs/deployment.md: docker build -t tasker-ts .":
    "Docker (docs/test/compose.test.ts checks the image's files)",
  "docs/deployment.md: docker compose -f examples/docker-compose.yml up --build":
    "Docker (docs/test/compose.test.ts checks the compose file)",
  "docs/reliability.md: npm run test:reliability                          # every scenario but the PostgreSQL restart":
    "the reliability suite itself (minutes)",
  "docs/transports.md: npm run bench -- --only latency,throughput,idle --backends postgres --runs 30 --tasks 300 --out bench/results/transports":
    "benchmark runs of minutes (bench/ci.ts runs the quick one)",
};

/** Every command's --help text, from the program itself. */
async function helpTexts(): Promise<{ command: string; text: string }[]> {
  const paths: string[][] = [];
  const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]) => {
    paths.push(path);
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  walk(
    buildProgram(new CliContext({ stdout: { write: () => true }, stderr: { write: () => true }, env: {} })),
    [],
  );
  const texts: { command: string; text: string }[] = [];
  for (const path of paths) {
    let text = "";
    const sink = {
      write: (s: string) => {
        text += s;
        return true;
      },
    };
    await runCli(["node", "tasker-ctl", ...path, "--help"], { stdout: sink, stderr: sink, env: {} });
    texts.push({ command: ["tasker-ctl", ...path].join(" "), text });
  }
  return texts;
}

/** `$ ...` lines after "Examples", with their `\`-continued lines. */
function examplesOf(help: string): string[] {
  const lines = help.split("\n");
  const start = lines.findIndex((l) => /^Examples\b/.test(l));
  if (start < 0) return [];
  const found: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim().startsWith("$ ")) continue;
    let example = line.trim().slice(2);
    while (example.endsWith("\\") && i + 1 < lines.length) example += `\n${lines[++i]}`;
    found.push(example);
  }
  return found;
}

function docsBlocks(): { key: string; code: string }[] {
  return PAGES.flatMap((page) =>
    codeBlocks(readFileSync(join(REPO_ROOT, page), "utf8"))
      .filter((b) => ["sh", "bash", "shell"].includes(b.lang))
      .map((b) => ({
        key: `${page}: ${b.code
          .split("\n")
          .find((l) => l.trim() !== "")!
          .trimEnd()}`,
        code: b.code,
      })),
  );
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The commands config files tell their reader to run (`# Check it with: ...`). */
const CONFIG_FILES = ["examples/hono-app/worker.toml", "examples/shared/worker.toml"];
const configChecks = CONFIG_FILES.map((file) => {
  const match = /Check it with: (.+)$/m.exec(readFileSync(join(REPO_ROOT, file), "utf8"));
  return { file, command: match?.[1]?.trim() };
});

const help = await helpTexts();
const helpExamples = help.flatMap((h) =>
  examplesOf(h.text).map((example) => ({ command: h.command, example })),
);
const blocks = docsBlocks();

describe("every example is classified", () => {
  it("--help examples: run or skipped with a reason", () => {
    const known = new Set([...HELP_RUN.map(([e]) => e), ...Object.keys(HELP_SKIPPED)]);
    const unknown = helpExamples.filter((e) => !known.has(e.example));
    expect(unknown.map((e) => `${e.command}: ${e.example}`)).toEqual([]);
    expect(helpExamples.length).toBeGreaterThan(8);
  });
  it("docs shell blocks: run or skipped with a reason", () => {
    const unknown = blocks.filter((b) => !(b.key in DOCS_RUN) && !(b.key in DOCS_SKIPPED));
    expect(unknown.map((b) => b.key)).toEqual([]);
  });
});

describe("examples as written", { timeout: 300_000 }, () => {
  let repo: TempRepo;
  let session: ShellSession;
  let database: TestDatabase | undefined;
  const ports = { app: 0, orchestration: 0, serve: 0, free: 0 };
  let broken: string | undefined;
  const dirs = { project: "", empty: "", scratch: "" };

  beforeAll(async () => {
    repo = createTempRepo();
    [ports.app, ports.orchestration, ports.serve, ports.free] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    if (testBackends().includes("postgres")) database = await createTestDatabase("tasker_examples");
    dirs.project = join(repo.root, "my-app");
    dirs.empty = join(repo.root, "empty");
    dirs.scratch = join(repo.root, "scratch");
    mkdirSync(dirs.empty);
    mkdirSync(dirs.scratch);
    session = new ShellSession(
      repo.root,
      cleanEnvironment({
        PATH: `${join(repo.root, "node_modules", ".bin")}:${process.env.PATH}`,
        // As npm scripts in this repository run (.npmrc): the workspace's packages from source.
        NODE_OPTIONS: "--conditions=@tasker-ts/source",
        PORT: String(ports.app),
        ORCHESTRATION_PORT: String(ports.orchestration),
        LOG_LEVEL: "warn",
        TASKER_LOG_LEVEL: "warn",
      }),
    );
    const init = await session.run("tasker-ctl init my-app", 60_000);
    if (init.exitCode !== 0) throw new Error(`tasker-ctl init failed: ${init.stderr}`);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
    await database?.drop();
    repo?.remove();
  }, 120_000);

  const substitute = (code: string) =>
    code
      .replaceAll(PG_URL, database?.url ?? PG_URL)
      .replaceAll("localhost:3000", `localhost:${ports.app}`)
      .replaceAll("localhost:8080", `localhost:${ports.orchestration}`)
      .replaceAll("127.0.0.1:8080", `127.0.0.1:${ports.serve}`)
      .replaceAll("--port 8080", `--port ${ports.free}`)
      .replaceAll("/tmp/t ", `${dirs.scratch}/t `)
      .replaceAll("<task_uuid>", "$TASK_UUID");

  let appStarted = false;
  let helperServer = false;
  async function context(where: Where, example: string): Promise<string> {
    if (where === "app" && !appStarted) {
      appStarted = true;
      const app = session.start("npm start", "npm start");
      await waitForUrl(`http://localhost:${ports.app}/health`, 240_000, () => app.child.exitCode !== null);
    }
    // The remote worker's orchestration server: the project's own, on PGlite.
    if (example.includes("--orchestration-url") && !helperServer) {
      helperServer = true;
      const server = session.start(
        "serve for the remote worker",
        `cd ${dirs.project} && tasker-ctl serve --templates ./templates --data-dir .data/served --port ${ports.serve}`,
      );
      await waitForUrl(
        `http://127.0.0.1:${ports.serve}/health/live`,
        120_000,
        () => server.child.exitCode !== null,
      );
    }
    return where === "project" ? dirs.project : where === "empty" ? dirs.empty : repo.root;
  }

  async function run(name: string, code: string, how: Run): Promise<void> {
    if (broken && how.where === "app") throw new Error(`not run: ${broken} failed before it`);
    const cwd = await context(how.where, code);
    const prelude = `cd ${cwd}\n${how.before ? `${substitute(how.before)}\n` : ""}`;
    const command = `${prelude}${substitute(code)}`;
    if (how.ready) {
      // The server in the background of its shell, which hands it one SIGTERM (Ctrl-C's
      // graceful stop) and exits with its exit code.
      const proc = session.start(
        name,
        `${prelude}${substitute(code).replace(/\s+# [^'"]*$/gm, "")} &\nserver=$!\ntrap 'kill -TERM $server' TERM\nwait $server || wait $server`,
      );
      const deadline = Date.now() + 180_000;
      while (!how.ready.test(proc.log.join(""))) {
        if (proc.child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `${name}: not ready (exit ${proc.child.exitCode}):\n${proc.log.join("").slice(-3000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const exited = new Promise<number | null>((r) => proc.child.once("close", (c) => r(c)));
      proc.child.kill("SIGTERM");
      expect(await exited, proc.log.join("").slice(-2000)).toBe(0);
      return;
    }
    const result = await session.run(command, 240_000);
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.exitCode !== 0 || (how.expect && !result.stdout.includes(how.expect))) {
      if (how.where === "app") broken = name;
      throw new Error(
        `${name}: exit ${result.exitCode}${how.expect ? `, expected ${JSON.stringify(how.expect)}` : ""}\n${output.slice(-3000)}\n${session.backgroundLogs(2000)}`,
      );
    }
  }

  for (const [example, how] of HELP_RUN) {
    it.skipIf(how.postgres === true && !testBackends().includes("postgres"))(
      `--help: ${example.split("\n")[0]}`,
      async () => {
        expect(
          helpExamples.map((e) => e.example),
          "no --help text shows this example any more",
        ).toContain(example);
        await run(example, example, how);
      },
    );
  }

  for (const { file, command } of configChecks) {
    it(`${file}: # Check it with: ${command}`, async () => {
      expect(command, `${file} says how to check it`).toBeDefined();
      await run(`${file}'s check`, command!, { where: "repo", expect: "ok      " });
    });
  }

  for (const [key, how] of Object.entries(DOCS_RUN)) {
    it(`docs ${key}`, async () => {
      const block = blocks.find((b) => b.key === key);
      expect(block, `no docs block starts with this line any more: ${key}`).toBeDefined();
      await run(key, block!.code, how);
    });
  }
});
