import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Tasker } from "../../src/index.js";
import { createTestDatabase, type TestDatabase } from "../../src/testing/index.js";
import { TEMPLATES_DIR } from "./processes.js";

/** The side-effect ledger the reliability handler writes (see fixtures/handlers). */
const LEDGER = `
  CREATE SCHEMA IF NOT EXISTS reliability;
  CREATE TABLE IF NOT EXISTS reliability.executions (
    id bigserial PRIMARY KEY,
    task_uuid uuid NOT NULL,
    step_uuid uuid NOT NULL,
    step text NOT NULL,
    attempt int NOT NULL,
    pid int NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz
  );
  CREATE INDEX IF NOT EXISTS executions_task ON reliability.executions (task_uuid);
  CREATE TABLE IF NOT EXISTS reliability.effects (
    idempotency_key text PRIMARY KEY,
    task_uuid uuid NOT NULL,
    step text NOT NULL,
    pid int NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );`;

export interface ScenarioDatabase {
  url: string;
  /** The test's own engine handle: templates registered, no orchestrator or worker. */
  tasker: Tasker;
  /** A scratch directory for config files, removed on close. */
  dir: string;
  close(): Promise<void>;
}

/** A fresh PostgreSQL database with the engine schema, the reliability templates and the ledger. */
export async function openScenarioDatabase(prefix: string): Promise<ScenarioDatabase> {
  const db: TestDatabase = await createTestDatabase(`rel_${prefix}`);
  let tasker: Tasker;
  try {
    tasker = await Tasker.open({ databaseUrl: db.url, templatePaths: [TEMPLATES_DIR], poolMax: 10 });
    await tasker.database.exec(LEDGER);
  } catch (err) {
    await db.drop();
    throw err;
  }
  const dir = mkdtempSync(join(tmpdir(), `tasker-${prefix}-`));
  return {
    url: db.url,
    tasker,
    dir,
    async close() {
      await tasker.close().catch(() => undefined);
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a worker.toml for the CLI processes of a scenario and returns its path. */
export function writeConfig(dir: string, name: string, toml: string): string {
  const path = join(dir, `${name}.toml`);
  writeFileSync(path, toml);
  return path;
}

/** The queue settings every reliability worker uses: short leases so crashes recover in seconds. */
export function workerToml(
  options: { leaseSeconds?: number; concurrency?: number; shutdownMs?: number; maxResultBytes?: number } = {},
) {
  return `
[common.database]
pool_max = 4

[common.queues]
visibility_timeout_seconds = ${options.leaseSeconds ?? 2}
poll_interval_ms = 100

[worker]
namespaces = ["reliability"]
concurrency = ${options.concurrency ?? 10}
shutdown_timeout_ms = ${options.shutdownMs ?? 5000}
${options.maxResultBytes === undefined ? "" : `max_result_bytes = ${options.maxResultBytes}\n`}`;
}

const TERMINAL = ["complete", "error", "cancelled", "resolved_manually"];

/**
 * Waits until every task is terminal, or until nothing has moved for `stallMs` (then the rest
 * count as stuck). Returns how long it took.
 */
export async function waitForTerminal(
  tasker: Tasker,
  taskUuids: readonly string[],
  options: { stallMs?: number; deadlineMs?: number } = {},
): Promise<number> {
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? 180_000);
  let lastProgress = Date.now();
  let lastDone = -1;
  for (;;) {
    const [row] = await tasker.database
      .query<{ done: number }>(
        "SELECT count(*)::int AS done FROM tasker.tasks WHERE task_uuid = ANY($1::uuid[]) AND status = ANY($2::text[])",
        [taskUuids, TERMINAL],
      )
      .catch(() => [{ done: lastDone }]);
    const done = row?.done ?? 0;
    if (done >= taskUuids.length) return Date.now() - started;
    if (done !== lastDone) {
      lastDone = done;
      lastProgress = Date.now();
    }
    if (Date.now() - lastProgress > (options.stallMs ?? 30_000) || Date.now() > deadline) {
      return Date.now() - started;
    }
    await sleep(200);
  }
}

/** What happened to a set of tasks, measured in the database. */
export interface Outcome {
  tasks: number;
  complete: number;
  /** Tasks that are missing or did not complete, with their status. */
  lost: { task_uuid: string; status: string | null }[];
  /** Steps with more than one `succeed` or `complete` transition: a result applied twice. */
  doubleApplied: number;
  /** Steps whose handler ran to the end more than once. */
  doubleCompleted: number;
  /** Steps of complete tasks without their side effect. */
  missingEffects: number;
  /** Handler runs in all (deliveries that reached a handler). */
  executions: number;
}

export async function measureOutcome(tasker: Tasker, taskUuids: readonly string[]): Promise<Outcome> {
  const db = tasker.database;
  const statuses = await db.query<{ task_uuid: string; status: string | null }>(
    `SELECT u.task_uuid::text, t.status FROM unnest($1::uuid[]) AS u(task_uuid)
       LEFT JOIN tasker.tasks t ON t.task_uuid = u.task_uuid`,
    [taskUuids],
  );
  const [counts] = await db.query<Omit<Outcome, "tasks" | "complete" | "lost">>(
    `SELECT
       (SELECT count(*)::int FROM (
          SELECT 1 FROM tasker.workflow_step_transitions
           WHERE task_uuid = ANY($1::uuid[]) AND event IN ('succeed', 'complete')
           GROUP BY workflow_step_uuid, event HAVING count(*) > 1) d) AS "doubleApplied",
       (SELECT count(*)::int FROM (
          SELECT 1 FROM reliability.executions
           WHERE task_uuid = ANY($1::uuid[]) AND finished_at IS NOT NULL
           GROUP BY step_uuid HAVING count(*) > 1) d) AS "doubleCompleted",
       (SELECT count(*)::int FROM tasker.workflow_steps s JOIN tasker.tasks t USING (task_uuid)
         WHERE s.task_uuid = ANY($1::uuid[]) AND t.status = 'complete'
           AND NOT EXISTS (SELECT 1 FROM reliability.effects e
                            WHERE e.idempotency_key = s.task_uuid::text || ':' || s.name)) AS "missingEffects",
       (SELECT count(*)::int FROM reliability.executions WHERE task_uuid = ANY($1::uuid[])) AS executions`,
    [taskUuids],
  );
  const lost = statuses.filter((s) => s.status !== "complete");
  return { tasks: taskUuids.length, complete: taskUuids.length - lost.length, lost, ...counts! };
}

/** Creates `count` tasks with at most `parallel` requests in flight; returns their uuids in order. */
export async function createTasks(
  tasker: Tasker,
  count: number,
  request: (i: number) => Parameters<Tasker["client"]["createTask"]>[0],
  parallel = 8,
): Promise<string[]> {
  const uuids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        uuids[i] = (await tasker.client.createTask(request(i))).task.task_uuid;
      }
    }),
  );
  return uuids;
}

/** Steps per reliability template (fixtures/templates). */
const TEMPLATE_STEPS: Record<string, number> = {
  single: 1,
  pair: 2,
  chain: 3,
  diamond: 4,
  parked: 1,
  bounded: 1,
};

/**
 * Half-written work: tasks whose steps are missing or incomplete, steps without their `create`
 * transition, transitions without a step. Empty when every write was all-or-nothing.
 */
export async function integrityProblems(tasker: Tasker): Promise<string[]> {
  const rows = await tasker.database.query<{ problem: string }>(
    `SELECT 'task ' || t.task_uuid || ' (' || t.name || ') has ' || count(s.workflow_step_uuid) || ' steps' AS problem
       FROM tasker.tasks t LEFT JOIN tasker.workflow_steps s USING (task_uuid)
      GROUP BY t.task_uuid, t.name
     HAVING count(s.workflow_step_uuid) <> coalesce(($1::jsonb ->> t.name)::int, -1)
     UNION ALL
     SELECT 'step ' || s.workflow_step_uuid || ' has no create transition' FROM tasker.workflow_steps s
      WHERE NOT EXISTS (SELECT 1 FROM tasker.workflow_step_transitions x
                         WHERE x.workflow_step_uuid = s.workflow_step_uuid AND x.event = 'create')
     UNION ALL
     SELECT 'transition ' || x.id || ' belongs to no step' FROM tasker.workflow_step_transitions x
      WHERE NOT EXISTS (SELECT 1 FROM tasker.workflow_steps s WHERE s.workflow_step_uuid = x.workflow_step_uuid)`,
    [JSON.stringify(TEMPLATE_STEPS)],
  );
  return rows.map((r) => r.problem);
}
