import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bootstrapWorker, getWorkerStatus, stopWorker, Tasker } from "../../src/index.js";
import { programmableHandler, STEP_NAMES, TEMPLATES } from "../support/engine-harness.js";

describe("bootstrapWorker / stopWorker / getWorkerStatus", () => {
  let tasker: Tasker;
  const handlers = STEP_NAMES.map((n) => programmableHandler(`test.${n}`, []));
  beforeAll(async () => {
    tasker = await Tasker.open({ dataDir: "memory://", templates: Object.values(TEMPLATES) });
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
  });
  afterEach(async () => {
    await stopWorker();
  });
  afterAll(async () => {
    await tasker?.close();
  });

  it("starts once, then reports already_running, and stops", async () => {
    const first = await bootstrapWorker({ tasker, handlers, namespaces: ["test_alpha"] });
    expect(first).toMatchObject({ success: true, status: "started" });
    expect(first.workerId).not.toBe("");
    const second = await bootstrapWorker({ tasker, handlers });
    expect(second).toMatchObject({ success: true, status: "already_running", workerId: first.workerId });
    expect(getWorkerStatus()).toMatchObject({ status: "running", running: true, namespaces: ["test_alpha"] });

    const { task } = await tasker.client.createTask({ name: "diamond", namespace: "test_alpha" });
    expect((await tasker.client.waitForTask(task.task_uuid, { timeoutMs: 15_000 })).status).toBe("complete");

    await stopWorker();
    expect(getWorkerStatus()).toMatchObject({ status: "stopped", running: false });
  });

  it("never throws: a missing handler is an error result that lists the callables", async () => {
    const result = await bootstrapWorker({
      tasker,
      handlers: handlers.slice(0, 2),
      namespaces: ["test_alpha"],
    });
    expect(result).toMatchObject({ success: false, status: "error" });
    expect(result.message).toContain("test.c");
    expect(result.message).toContain("test_alpha/linear5 step c");
    expect(getWorkerStatus().status).toBe("stopped");
  });

  it("reads worker.toml from TASKER_CONFIG_PATH-style configPath", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-bootstrap-"));
    const file = join(dir, "worker.toml");
    writeFileSync(
      file,
      '[worker]\nworker_id = "toml-worker-1"\nnamespaces = ["test_beta"]\nconcurrency = 3\n',
    );
    const result = await bootstrapWorker({ tasker, handlers, configPath: file });
    expect(result).toMatchObject({ status: "started", workerId: "toml-worker-1" });
    expect(getWorkerStatus()).toMatchObject({ namespaces: ["test_beta"] });
  });

  it("does not load again the templates its engine loaded when it opened (a start loaded them twice)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-bootstrap-templates-"));
    const templates = join(dir, "templates");
    mkdirSync(templates);
    writeFileSync(
      join(templates, "one.yaml"),
      "name: one\nnamespace_name: test_gamma\nversion: 1.0.0\nsteps:\n  - name: a\n    handler: { callable: test.a }\n",
    );
    const config = join(dir, "worker.toml");
    writeFileSync(
      config,
      '[common.task_templates]\nsearch_paths = ["templates"]\n[worker]\nnamespaces = ["test_gamma"]\n',
    );
    const engine = await Tasker.open({ dataDir: "memory://", templatePaths: [templates] });
    try {
      // Loading the folder again would now fail on this file.
      writeFileSync(join(templates, "broken.yaml"), "name: [\n");
      const result = await bootstrapWorker({ tasker: engine, handlers, configPath: config });
      expect(result).toMatchObject({ success: true, status: "started" });
      await stopWorker();
    } finally {
      await engine.close();
    }
  });
});
