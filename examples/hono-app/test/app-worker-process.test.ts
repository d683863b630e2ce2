// `npm run worker -- --namespaces ecommerce` as a separate process on a shared PostgreSQL: the
// test process runs the app and the orchestrator but no worker; the child runs the handlers.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { testBackends } from "@tasker-ts/tasker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROOT } from "../src/config.js";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, waitForTaskCompletion } from "./support/orchestration.js";

const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");

function startWorkerProcess(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, [TSX_CLI, "src/worker-main.ts", ...args], {
    cwd: APP_ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const ready = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<void>((ok, fail) => {
      const deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        if (pattern.test(output)) {
          clearInterval(poll);
          ok();
        } else if (child.exitCode !== null || Date.now() > deadline) {
          clearInterval(poll);
          fail(new Error(`worker process did not print ${pattern} (exit ${child.exitCode}):\n${output}`));
        }
      }, 100);
    });
  return { child, exited, ready, output: () => output };
}

const onPostgres = testBackends().includes("postgres");

describe.skipIf(!onPostgres)("a worker-only process (npm run worker) on PostgreSQL", () => {
  let t: TestApp;
  let worker: ReturnType<typeof startWorkerProcess> | undefined;
  const workerId = `hono-worker-test-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    t = await startTestApp("postgres", { worker: false });
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await t?.close();
  });

  it("refuses to start without a shared PostgreSQL, saying why", async () => {
    const lonely = startWorkerProcess(
      { DATABASE_URL: "", APP_DATABASE_URL: "memory://", TASKER_DATA_DIR: "/tmp/hono-app-worker-test" },
      ["--namespaces", "ecommerce"],
    );
    expect(await lonely.exited).toBe(1);
    expect(lonely.output()).toContain("needs the engine and app databases on PostgreSQL");
  });

  it("rejects an unknown namespace, listing the ones it has", async () => {
    const wrong = startWorkerProcess(
      { DATABASE_URL: t.engineDatabaseUrl!, APP_DATABASE_URL: t.appDatabaseUrl! },
      ["--namespaces", "ecomerce"],
    );
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toMatch(/no handlers for namespace\(s\) ecomerce .*choose from: ecommerce/);
  });

  it("runs the steps of its namespace for tasks created by the app, then stops on SIGTERM", async () => {
    worker = startWorkerProcess({ DATABASE_URL: t.engineDatabaseUrl!, APP_DATABASE_URL: t.appDatabaseUrl! }, [
      "--namespaces",
      "ecommerce",
      "--worker-id",
      workerId,
    ]);
    await worker.ready(new RegExp(`worker ${workerId} serving ecommerce`));

    const created = await t.request("POST", "/orders", {
      customer_email: "grace@example.com",
      items: [{ sku: "GADGET-002", quantity: 2 }],
      payment_info: { method: "card", token: "tok_flaky" },
    });
    expect(created.status).toBe(201);
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("complete");
    const payment = await getStep(t.orchestrationUrl, task.task_uuid, "process_payment");
    expect(payment.attempts).toBe(2);
    const audit = await t.tasker.client.getStepAudit(task.task_uuid, payment.workflow_step_uuid);
    expect(audit.some((tr) => tr.metadata.worker_id === workerId)).toBe(true);
    await waitForRowStatus(t, `/orders/${created.body.id}`, ["completed"]);

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  });
});

// Remote workers claim from the queue tables (the orchestration server refuses them on RabbitMQ).
describe.skipIf(!onPostgres || process.env.TASKER_MESSAGING_BACKEND === "rabbitmq")(
  "a remote worker process (npm run worker -- --remote) through the orchestration server",
  () => {
    let t: TestApp;
    let worker: ReturnType<typeof startWorkerProcess> | undefined;
    const workerId = `hono-remote-test-${randomBytes(3).toString("hex")}`;

    beforeAll(async () => {
      t = await startTestApp("postgres", { worker: false });
    });
    afterAll(async () => {
      if (worker && worker.child.exitCode === null) worker.child.kill("SIGKILL");
      await t?.close();
    });

    it("refuses to start without ORCHESTRATION_URL, saying what to set", async () => {
      const lonely = startWorkerProcess({ ORCHESTRATION_URL: "", APP_DATABASE_URL: t.appDatabaseUrl! }, [
        "--remote",
      ]);
      expect(await lonely.exited).toBe(1);
      expect(lonely.output()).toContain("set ORCHESTRATION_URL");
    });

    it("runs all four workflows with no engine database, then stops on SIGTERM", async () => {
      // DATABASE_URL points nowhere: the worker must not need the engine's database.
      worker = startWorkerProcess(
        {
          ORCHESTRATION_URL: t.orchestrationUrl,
          APP_DATABASE_URL: t.appDatabaseUrl!,
          DATABASE_URL: "postgres://nobody:wrong@127.0.0.1:1/none",
          SERVICES_BASE_URL: t.url,
        },
        ["--remote", "--worker-id", workerId],
      );
      await worker.ready(new RegExp(`worker ${workerId} serving .* through ${t.orchestrationUrl}`));

      const order = await t.request("POST", "/orders", {
        customer_email: "grace@example.com",
        items: [{ sku: "GADGET-002", quantity: 2 }],
        payment_info: { method: "card", token: "tok_flaky" },
      });
      const job = await t.request("POST", "/analytics/jobs", { source: "remote-q1" });
      const service = await t.request("POST", "/services/requests", {
        user_id: "cust-001",
        request_type: "full_report",
      });
      const check = await t.request("POST", "/compliance/checks", {
        order_ref: "ORD-REMOTE-1",
        items: [{ sku: "WIDGET-001", quantity: 2 }],
        destination: { country: "US", region: "CA" },
        customer_id: "cust-001",
      });
      for (const created of [order, job, service, check]) expect(created.status).toBe(201);

      const uuids = [
        order.body.task_uuid,
        job.body.task_uuid,
        service.body.task_uuid,
        check.body.task_uuids.sales,
        check.body.task_uuids.compliance,
      ];
      for (const uuid of uuids) {
        const task = await waitForTaskCompletion(t.orchestrationUrl, uuid);
        expect(task.status, `${task.namespace}/${task.name}`).toBe("complete");
      }
      const payment = await getStep(t.orchestrationUrl, order.body.task_uuid, "process_payment");
      expect(payment.attempts).toBe(2);
      const audit = await t.tasker.client.getStepAudit(order.body.task_uuid, payment.workflow_step_uuid);
      expect(audit.some((tr) => tr.metadata.worker_id === workerId)).toBe(true);
      await waitForRowStatus(t, `/orders/${order.body.id}`, ["completed"]);
      await waitForRowStatus(t, `/analytics/jobs/${job.body.id}`, ["completed"]);
      await waitForRowStatus(t, `/services/requests/${service.body.id}`, ["completed"]);
      await waitForRowStatus(t, `/compliance/checks/${check.body.id}`, ["completed"]);

      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    });
  },
);
