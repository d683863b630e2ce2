import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../../src/testing/index.js";
import {
  FIXTURES,
  type LongRunning,
  runCli,
  runCliJson,
  startCli,
  waitForTaskStatus,
} from "./support/cli-process.js";

interface TaskJson {
  task_uuid: string;
  status: string;
  completion_percentage: number;
  error: string | null;
  steps: { name: string; current_state: string; workflow_step_uuid: string }[];
}

// One embedded process: API + orchestrator + worker on a temp PGlite directory (PGlite allows
// one process per data directory, so the worker runs inside serve here).
describe.runIf(testBackends().includes("pglite"))(
  "tasker-ctl serve (PGlite) with task and step commands",
  { timeout: 240_000 },
  () => {
    let dir: string;
    let server: LongRunning;
    let api: string[];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "tasker-ctl-serve-"));
      server = await startCli(
        [
          "serve",
          "--port",
          "0",
          "--data-dir",
          join(dir, "db"),
          "--templates",
          join(FIXTURES, "templates"),
          "--handlers",
          join(FIXTURES, "handlers"),
        ],
        { ready: /orchestration API on (http:\/\/\S+) /, timeoutMs: 180_000 },
      );
      api = ["--url", server.match[1]!];
    }, 240_000);

    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("announces its URL, database, templates and worker", () => {
      expect(server.output().stderr).toMatch(
        /tasker-ctl serve: orchestration API on http:\/\/127\.0\.0\.1:(\d+) \(PGlite \S+, 2 templates, worker on cli_demo; listening on 127\.0\.0\.1:\1\)/,
      );
    });

    it("task create --wait exits 0 when the task completes, printing the task and its steps", async () => {
      const { code, stdout, stderr } = await runCli([
        "task",
        "create",
        "--namespace",
        "cli_demo",
        "--name",
        "pipeline",
        "--context",
        '{"value": 21}',
        "--wait",
        ...api,
      ]);
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/^waiting for task \S+ \(cli_demo\/pipeline@1\.0\.0\)$/m);
      expect(stderr).toMatch(/^complete 100% \[complete 3\]$/m);
      expect(stdout).toMatch(/^status: +complete$/m);
      expect(stdout).toMatch(/^progress: +100% \(3\/3 steps complete, 0 failed\)$/m);
      // `double` has retry: { retryable: false }, so one attempt in all.
      for (const [step, attempts] of [
        ["prepare", "1/3"],
        ["double", "1/1"],
        ["report", "1/3"],
      ])
        expect(stdout).toMatch(new RegExp(`^${step} +complete +${attempts}`, "m"));
    });

    it("task create reads the context from stdin (--context-file -); --quiet prints only the uuid", async () => {
      const { code, stdout, stderr } = await runCli(
        [
          "task",
          "create",
          "--namespace",
          "cli_demo",
          "--name",
          "pipeline",
          "--context-file",
          "-",
          "--wait",
          "-q",
          ...api,
        ],
        { input: '{"value": 3}' },
      );
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^[0-9a-f-]{36}\n$/);
      expect(stderr).toBe("");
      const task = await runCliJson<{ context: unknown; status: string }>([
        "task",
        "get",
        stdout.trim(),
        ...api,
      ]);
      expect(task.json).toMatchObject({ status: "complete", context: { value: 3 } });
    });

    it("task create --wait exits 1 when the task ends in error; step resolve lets it finish", async () => {
      const failed = await runCliJson<TaskJson>([
        "task",
        "create",
        "--namespace",
        "cli_demo",
        "--name",
        "pipeline",
        "--context",
        '{"value": 1, "fail": true}',
        "--wait",
        ...api,
      ]);
      expect(failed.code).toBe(1);
      expect(failed.json.status).toBe("error");
      expect(failed.json.error).toContain("asked to fail");
      const uuid = failed.json.task_uuid;

      const steps = await runCliJson<TaskJson["steps"]>(["task", "steps", uuid, ...api]);
      expect(steps.code).toBe(0);
      expect(steps.json.map((s) => [s.name, s.current_state])).toEqual([
        ["prepare", "complete"],
        ["double", "error"],
        ["report", "pending"],
      ]);

      const table = await runCli(["task", "steps", uuid, ...api]);
      expect(table.stdout).toMatch(/^double +error +1\/1 +- +\S+ +asked to fail$/m);

      const resolved = await runCli([
        "step",
        "resolve",
        uuid,
        "double",
        "--reason",
        "checked by hand",
        ...api,
      ]);
      expect(resolved.code, resolved.stderr).toBe(0);
      expect(resolved.stdout).toMatch(/^step double \(\S+\) of task \S+ is now resolved_manually$/m);

      const done = await waitForTaskStatus(uuid, "complete", api);
      expect(done.steps.map((s) => s.current_state)).toEqual(["complete", "resolved_manually", "complete"]);

      const audit = await runCli(["step", "audit", uuid, "double", ...api]);
      expect(audit.code).toBe(0);
      expect(audit.stdout).toMatch(/error +resolved_manually +resolve_manually +.*checked by hand/);

      const graph = await runCli(["template", "visualize", "--task", uuid, ...api]);
      expect(graph.code, graph.stderr).toBe(0);
      expect(graph.stdout).toContain('  double["double<br/><i>resolved_manually</i>"]');
      expect(graph.stdout).toContain("  class prepare,report complete");
      expect(graph.stdout).toMatch(/classDef resolved_manually fill:/);
    });

    it("step complete supplies a result by hand; task retry-step re-runs a failed step", async () => {
      const create = ["task", "create", "--namespace", "cli_demo", "--name", "pipeline", "--wait", ...api];
      const [one, two] = await Promise.all([
        runCliJson<TaskJson>([...create, "--context", '{"value": 1, "fail": true}']),
        runCliJson<TaskJson>([...create, "--context", '{"value": 2, "fail": true}']),
      ]);
      expect([one.code, two.code]).toEqual([1, 1]);

      const completed = await runCliJson<{ current_state: string; results: unknown }>([
        "step",
        "complete",
        one.json.task_uuid,
        "double",
        "--result",
        '{"doubled": 99}',
        ...api,
      ]);
      expect(completed.code, completed.stderr).toBe(0);
      expect(completed.json.current_state).toBe("complete");
      expect(completed.json.results).toEqual({ doubled: 99 });
      await waitForTaskStatus(one.json.task_uuid, "complete", api);
      const report = await runCliJson<{ results: unknown }>([
        "step",
        "get",
        one.json.task_uuid,
        "report",
        ...api,
      ]);
      expect(report.json.results).toEqual({ summary: 99 });

      const retried = await runCli([
        "task",
        "retry-step",
        two.json.task_uuid,
        "double",
        "--reason",
        "try again",
        ...api,
      ]);
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.stdout).toMatch(/^step double \(\S+\) of task \S+ is now \w+$/m);
      const audit = await runCliJson<{ event: string; metadata: { reason?: string } }[]>([
        "step",
        "audit",
        two.json.task_uuid,
        "double",
        ...api,
      ]);
      expect(audit.json.some((t) => t.event === "reset_for_retry" && t.metadata.reason === "try again")).toBe(
        true,
      );
    });

    it("task list shows tasks as a table or JSON, with filters", async () => {
      const [table, json, none] = await Promise.all([
        runCli(["task", "list", "--namespace", "cli_demo", ...api]),
        runCliJson<{ tasks: { status: string }[]; pagination: { total: number } }>([
          "task",
          "list",
          "--status",
          "complete",
          ...api,
        ]),
        runCli(["task", "list", "--name", "no_such_template", ...api]),
      ]);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^TASK +TEMPLATE +STATUS +DONE +STEPS +CREATED$/m);
      expect(table.stdout).toMatch(/^\S+ +cli_demo\/pipeline@1\.0\.0 +complete +100% +3\/3 /m);
      expect(json.code).toBe(0);
      expect(json.json.pagination.total).toBeGreaterThanOrEqual(2);
      expect(json.json.tasks.every((t) => t.status === "complete")).toBe(true);
      expect(none.stdout.trim()).toBe("no tasks");
    });

    it("task cancel stops a running task (exit 0), and a second cancel is a conflict (exit 4)", async () => {
      const slow = ["task", "create", "--namespace", "cli_demo", "--name", "slow", ...api];
      // Long enough to still be running when the cancel arrives; it ends well before shutdown.
      const created = await runCli([...slow, "--context", '{"ms": 15000}', "--quiet"]);
      expect(created.code).toBe(0);
      const uuid = created.stdout.trim();
      expect(uuid).toMatch(/^[0-9a-f-]{36}$/);

      const cancelled = await runCli(["task", "cancel", uuid, "--reason", "not needed", ...api]);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(cancelled.stdout.trim()).toBe(`task ${uuid} is cancelled`);

      const again = await runCli(["task", "cancel", uuid, ...api]);
      expect(again.code).toBe(4);
      expect(again.stderr).toContain("is already cancelled");
    });

    it("task create --wait gives up after --timeout with exit 1, saying the task keeps running", async () => {
      const slow = ["task", "create", "--namespace", "cli_demo", "--name", "slow", ...api];
      const waited = await runCli([...slow, "--context", '{"ms": 3000}', "--wait", "--timeout", "0.5"]);
      expect(waited.code).toBe(1);
      expect(waited.stderr).toMatch(
        /is still \w+ after 0\.5 s; it keeps running\. Check it with `tasker-ctl task get /,
      );
      expect(waited.stdout).toMatch(/^linger +(enqueued|in_progress|pending) /m);
    });

    it("idempotency keys return the existing task, and a different payload is a conflict (exit 4)", async () => {
      const args = [
        "task",
        "create",
        "--namespace",
        "cli_demo",
        "--name",
        "pipeline",
        "--idempotency-key",
        "cli-test-key",
        ...api,
      ];
      const first = await runCli([...args, "--context", '{"value": 5}']);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^created task \S+ cli_demo\/pipeline@1\.0\.0: /m);
      const second = await runCli([...args, "--context", '{"value": 5}']);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^found existing \(same idempotency key\) task /m);
      const different = await runCli([...args, "--context", '{"value": 6}']);
      expect(different.code).toBe(4);
    });

    it("names the failing fields of an invalid context (exit 2), and unknown ids (exit 3)", async () => {
      const invalid = await runCli([
        "task",
        "create",
        "--namespace",
        "cli_demo",
        "--name",
        "pipeline",
        "--context",
        '{"value": "x"}',
        ...api,
      ]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/^error: .*value/m);

      const missingTemplate = await runCli([
        "task",
        "create",
        "--namespace",
        "cli_demo",
        "--name",
        "nope",
        ...api,
      ]);
      expect(missingTemplate.code).toBe(3);

      const unknownTask = await runCli(["task", "get", "0190a5a0-0000-7000-8000-000000000099", ...api]);
      expect(unknownTask.code).toBe(3);

      const list = await runCliJson<{ tasks: { task_uuid: string }[] }>([
        "task",
        "list",
        "--limit",
        "1",
        ...api,
      ]);
      const someTask = list.json.tasks[0]!.task_uuid;
      const unknownStep = await runCli(["step", "resolve", someTask, "no_such_step", ...api]);
      expect(unknownStep.code).toBe(3);
      expect(unknownStep.stderr).toMatch(/has no step named "no_such_step"; its steps are: /);
    });

    it("template list --url lists the server's templates", async () => {
      const { code, stdout } = await runCli(["template", "list", ...api]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^cli_demo +pipeline +1\.0\.0 +3 +prepare -> double -> report$/m);
      expect(stdout).toMatch(/^cli_demo +slow +1\.0\.0 +1$/m);
    });

    it("shuts down gracefully on SIGTERM with exit 0", async () => {
      const code = await server.stop();
      expect(code).toBe(0);
      expect(server.output().stderr).toContain("tasker-ctl serve: SIGTERM received, shutting down");
      expect(server.output().stderr).toContain("tasker-ctl serve: stopped");
    });
  },
);
