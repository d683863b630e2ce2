import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import { FIXTURES, type LongRunning, runCli, runCliJson, startCli } from "./support/cli-process.js";

const API_KEY = "cli-test-key-0123456789abcdef";

// Separate processes sharing one PostgreSQL database: `serve` (API + orchestrator, API keys
// required off embedded mode) and `worker --handlers`, as in a real deployment.
describe.runIf(testBackends().includes("postgres"))(
  "tasker-ctl serve + worker on PostgreSQL",
  { timeout: 240_000 },
  () => {
    let db: TestDatabase;
    let dir: string;
    let server: LongRunning;
    let worker: LongRunning;
    let url: string;

    beforeAll(async () => {
      db = await createTestDatabase("tasker_cli_serve");
      dir = mkdtempSync(join(tmpdir(), "tasker-ctl-pg-"));
      server = await startCli(
        ["serve", "--port", "0", "--host", "127.0.0.1", "--templates", join(FIXTURES, "templates")],
        {
          env: { DATABASE_URL: db.url, TASKER_API_KEY: API_KEY },
          ready: /orchestration API on (http:\/\/\S+) /,
          timeoutMs: 180_000,
        },
      );
      url = server.match[1]!;
      worker = await startCli(
        [
          "worker",
          "--handlers",
          join(FIXTURES, "handlers"),
          "--namespaces",
          "cli_demo",
          "--concurrency",
          "4",
        ],
        {
          env: { DATABASE_URL: db.url },
          ready: /tasker-ctl worker (\S+): serving cli_demo with 4 handlers/,
          timeoutMs: 180_000,
        },
      );
    }, 400_000);

    afterAll(async () => {
      await Promise.all([worker?.stop(), server?.stop()]);
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("refuses requests without the API key (exit 2) and accepts it from --api-key or TASKER_API_KEY", async () => {
      const [without, flag, env] = await Promise.all([
        runCli(["task", "list", "--url", url]),
        runCli(["task", "list", "--url", url, "--api-key", API_KEY]),
        runCli(["template", "list", "--url", url], { env: { TASKER_API_KEY: API_KEY } }),
      ]);
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/^error: .*API key/im);
      expect(flag.code, flag.stderr).toBe(0);
      expect(env.code, env.stderr).toBe(0);
      expect(env.stdout).toMatch(/^cli_demo +pipeline +1\.0\.0 +3 /m);
    });

    it("runs a task through the worker process: task create --wait exits 0 with every step complete", async () => {
      const { code, json, stderr } = await runCliJson<{
        task_uuid: string;
        status: string;
        steps: { current_state: string }[];
      }>(
        [
          "task",
          "create",
          "--namespace",
          "cli_demo",
          "--name",
          "pipeline",
          "--context",
          '{"value": 4}',
          "--wait",
          "--url",
          url,
        ],
        { env: { TASKER_API_KEY: API_KEY } },
      );
      expect(code, stderr).toBe(0);
      expect(json.status).toBe("complete");
      expect(json.steps.map((s) => s.current_state)).toEqual(["complete", "complete", "complete"]);

      const report = await runCliJson<{ results: unknown }>(
        ["step", "get", json.task_uuid, "report", "--url", url],
        { env: { TASKER_API_KEY: API_KEY } },
      );
      expect(report.json.results).toEqual({ summary: 8 });
    });

    it("a worker without handlers for its namespace's steps refuses to start (exit 2), listing them", async () => {
      const empty = join(dir, "no-handlers");
      mkdirSync(empty);
      // An ES module package, as handler directories are in practice.
      writeFileSync(join(empty, "package.json"), '{"type": "module"}\n');
      writeFileSync(join(empty, "nothing.ts"), "export const notAHandler = 1;\n");
      const { code, stderr } = await runCli(["worker", "--handlers", empty, "--namespaces", "cli_demo"], {
        env: { DATABASE_URL: db.url },
      });
      expect(code).toBe(2);
      expect(stderr).toContain("cannot start the worker: no handler is registered for these callables");
      expect(stderr).toContain("cli_demo.prepare (cli_demo/pipeline step prepare)");
    });

    it("a worker pointed at a missing directory exits 2 before touching the database", async () => {
      const { code, stderr } = await runCli(["worker", "--handlers", join(dir, "missing")], {
        env: { DATABASE_URL: "postgres://nobody@127.0.0.1:9/none" },
      });
      expect(code).toBe(2);
      expect(stderr).toContain("missing does not exist");
    });

    it("a worker takes its database, handlers and namespaces from --config (worker.toml)", async () => {
      const file = join(dir, "worker.toml");
      const generated = await runCli([
        "config",
        "generate",
        "--out",
        file,
        "--database-url",
        db.url,
        "--handlers",
        join(FIXTURES, "handlers"),
        "--namespaces",
        "cli_demo",
        "--worker-id",
        "from-config",
      ]);
      expect(generated.code, generated.stderr).toBe(0);
      const configured = await startCli(["worker", "--config", file], {
        ready: /tasker-ctl worker from-config: serving cli_demo with 4 handlers \(PostgreSQL /,
        timeoutMs: 180_000,
      });
      expect(await configured.stop()).toBe(0);
    });

    it("serve on PostgreSQL without API keys refuses to start (exit 2), saying how to fix it", async () => {
      const { code, stderr } = await runCli(["serve", "--port", "0"], { env: { DATABASE_URL: db.url } });
      expect(code).toBe(2);
      expect(stderr).toContain("requires API keys outside embedded mode");
      expect(stderr).toContain("TASKER_API_KEY");
    });

    it("worker and serve stop gracefully on SIGTERM with exit 0", async () => {
      expect(await worker.stop()).toBe(0);
      expect(worker.output().stderr).toContain("tasker-ctl worker: stopped");
      expect(await server.stop()).toBe(0);
      expect(server.output().stderr).toContain("tasker-ctl serve: stopped");
    });
  },
);
