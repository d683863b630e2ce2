// Namespace isolation, proved on a shared PostgreSQL: two engine instances (as two team
// processes would be) on one engine database and one app database, Team B's serving only
// `compliance` (plus the orchestrator and the HTTP app), Team A's only `sales`. With Team A's
// worker stopped, Team B's task still completes and Team A's waits untouched; when Team A's
// worker comes back, the sales task completes and the check follows.
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
// TEMP until @tasker-ts/tasker exports it (same import as test/support/app-harness.ts):
import { createLogger, Tasker, type Worker } from "@tasker-ts/tasker";
import { startOrchestrationServer } from "@tasker-ts/tasker/api";
import type { StepTransition, TaskResponse } from "@tasker-ts/tasker/client";
import { createTestDatabase, type TestDatabase, testBackends } from "@tasker-ts/tasker/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { APP_ROOT, loadConfig } from "../src/config.js";
import { openAppDatabase } from "../src/db/client.js";
import { subscribeTaskStatus } from "../src/engine/lifecycle.js";
import { MemoryJobQueue } from "../src/jobs/memory-queue.js";
import type { AppDeps } from "../src/lib/deps.js";
import { createWorkflows } from "../src/workflows/index.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

interface TeamProcess {
  tasker: Tasker;
  worker: Worker | undefined;
  startWorker(): Promise<Worker>;
  /** The app's URL and the orchestration API's, for the process that serves HTTP. */
  url?: string;
  orchestrationUrl?: string;
  close(): Promise<void>;
}

/** One "process": its own engine instance, app database pool, workflows and status subscription. */
async function startTeamProcess(
  engineUrl: string,
  appUrl: string,
  namespaces: string[],
  options: { orchestrator?: boolean; http?: boolean } = {},
): Promise<TeamProcess> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const logger = createLogger({
    name: `team-${namespaces.join("-")}`,
    level: process.env.TEST_LOG_LEVEL ?? "silent",
  });
  const appDb = await openAppDatabase({ url: appUrl });
  cleanups.push(() => appDb.close());
  const tasker = await Tasker.open({
    databaseUrl: engineUrl,
    templatePaths: [resolve(APP_ROOT, "templates")],
    logger,
  });
  cleanups.push(() => tasker.close());
  const jobs = new MemoryJobQueue(logger);
  cleanups.push(() => jobs.close());

  let app: ReturnType<typeof createApp> | undefined;
  let url: string | undefined;
  if (options.http) {
    const server = createAdaptorServer({
      fetch: (req: Request) => (app ? app.fetch(req) : new Response("starting", { status: 503 })),
      hostname: "127.0.0.1",
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    cleanups.push(() => new Promise((ok) => server.close(ok)));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const config = { ...loadConfig({}), port: 0, servicesBaseUrl: url ?? "http://127.0.0.1:1" };
  const deps: AppDeps = { db: appDb.db, tasker, jobs, config, logger };
  const workflows = createWorkflows(deps);
  const subscription = subscribeTaskStatus({
    events: tasker.events,
    db: appDb.db,
    logger,
    mappers: workflows.flatMap((w) => w.taskStatusMappers ?? []),
  });
  cleanups.push(async () => {
    subscription.unsubscribe();
    await subscription.idle();
  });
  await tasker.events.ready();
  if (options.orchestrator) await tasker.startOrchestrator({ pollIntervalMs: 200 });

  const proc: TeamProcess = {
    tasker,
    worker: undefined,
    async startWorker() {
      proc.worker = await tasker.startWorker({
        handlers: workflows.flatMap((w) => w.handlers),
        namespaces,
        concurrency: 4,
        pollIntervalMs: 200,
        workerId: `team-${namespaces.join("-")}-${Date.now()}`,
      });
      return proc.worker;
    },
    close: async () => {
      for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    },
  };
  await proc.startWorker();
  if (options.http) {
    const orchestration = await startOrchestrationServer({ tasker, port: 0, embedded: true, logger });
    cleanups.push(() => orchestration.close());
    proc.orchestrationUrl = orchestration.url;
    app = createApp({ db: appDb.db, tasker, jobs, config, logger, workflows });
    proc.url = url;
  }
  return proc;
}

const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as T;
};

describe.runIf(testBackends().includes("postgres"))(
  "team scaling: namespace isolation on a shared PostgreSQL",
  () => {
    let engineDb: TestDatabase;
    let appDb: TestDatabase;
    let teamB: TeamProcess;
    let teamA: TeamProcess;

    beforeAll(async () => {
      engineDb = await createTestDatabase("ts_isolation_engine");
      appDb = await createTestDatabase("ts_isolation_app");
      teamB = await startTeamProcess(engineDb.url, appDb.url, ["compliance"], {
        orchestrator: true,
        http: true,
      });
      teamA = await startTeamProcess(engineDb.url, appDb.url, ["sales"]);
    }, 120_000);

    afterAll(async () => {
      await teamA?.close();
      await teamB?.close();
      await appDb?.drop();
      await engineDb?.drop();
    });

    it("keeps Team B working while Team A's worker is down, and Team A catches up when it returns", async () => {
      const orch = teamB.orchestrationUrl!;
      expect(teamA.worker!.status().namespaces).toEqual(["sales"]);
      expect(teamB.worker!.status().namespaces).toEqual(["compliance"]);

      // Team A goes down.
      await teamA.tasker.stopWorker(teamA.worker!);

      const res = await fetch(`${teamB.url}/compliance/checks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          order_ref: "ORD-ISO-1",
          items: [{ sku: "GIZMO-003", quantity: 2 }],
          destination: { country: "DE" },
        }),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: number; task_uuids: Record<string, string> };
      const salesUuid = created.task_uuids.sales!;
      const complianceUuid = created.task_uuids.compliance!;

      // Team B's task finishes on its own.
      const compliance = await waitForTaskCompletion(orch, complianceUuid, {
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      expect(compliance.status).toBe("complete");
      // Give Team A's queue every chance to be (wrongly) drained by someone else.
      await new Promise((r) => setTimeout(r, 1_500));

      const stalled = await getJson<TaskResponse>(`${orch}/v1/tasks/${salesUuid}`);
      expect(["complete", "error", "cancelled", "resolved_manually"]).not.toContain(stalled.status);
      expect(stalled.completed_steps).toBe(0);
      const stalledSteps = await getTaskSteps(orch, salesUuid);
      expect(stalledSteps.every((s) => s.attempts === 0)).toBe(true);
      const waiting = await getJson<{ status: string }>(`${teamB.url}/compliance/checks/${created.id}`);
      expect(waiting.status).toBe("processing");

      // Team A comes back and drains its own queue.
      const worker = await teamA.startWorker();
      const sales = await waitForTaskCompletion(orch, salesUuid, { timeoutMs: 30_000, intervalMs: 250 });
      expect(sales.status).toBe("complete");
      expect(sales.correlation_id).toBe(compliance.correlation_id);

      // Every sales step was claimed by Team A's worker, every compliance step by Team B's.
      const claimedBy = async (taskUuid: string, stepName: string) => {
        const step = await getStep(orch, taskUuid, stepName);
        const audit = await getJson<StepTransition[] | { transitions: StepTransition[] }>(
          `${orch}/v1/tasks/${taskUuid}/workflow_steps/${step.workflow_step_uuid}/audit`,
        );
        const transitions = Array.isArray(audit) ? audit : audit.transitions;
        return transitions.filter((tr) => tr.to_state === "in_progress").map((tr) => tr.metadata.worker_id);
      };
      expect(await claimedBy(salesUuid, "generate_quote")).toEqual([worker.workerId]);
      expect(await claimedBy(complianceUuid, "compliance_report")).toEqual([teamB.worker!.workerId]);

      // The check completes once both teams are done.
      const deadline = Date.now() + 15_000;
      let row = await getJson<{ status: string; result: { quote?: unknown; compliance?: unknown } }>(
        `${teamB.url}/compliance/checks/${created.id}`,
      );
      while (row.status !== "completed" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        row = await getJson(`${teamB.url}/compliance/checks/${created.id}`);
      }
      expect(row.status).toBe("completed");
      expect(row.result.quote).toMatchObject({ quote_number: `QT-${String(created.id).padStart(6, "0")}` });
      expect(row.result.compliance).toMatchObject({ decision: "approved" });
    });
  },
);
