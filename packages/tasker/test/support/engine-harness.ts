import { setTimeout as sleep } from "node:timers/promises";
import {
  defineHandler,
  PermanentError,
  RetryableError,
  type StepHandler,
  Tasker,
  type TaskerOptions,
} from "../../src/index.js";
import { parseTemplateObject } from "../../src/template/load.js";
import type { TaskTemplate } from "../../src/template/schema.js";
import { createTestDatabase, type TestBackend, type TestDatabase } from "../../src/testing/index.js";

/** One recorded handler run: which step of which task ran when. */
export interface Execution {
  task: string;
  step: string;
  attempt: number;
  start: number;
  end: number;
}

/**
 * Handler behaviour is driven by the task context so one engine serves every scenario:
 * `sleep_ms: {step: ms}`, `fail: {step: {mode: "permanent"|"retryable"|"throw"|"hang", times: n, retry_after_ms?, message?}}`.
 */
export type ProgrammableContext = {
  sleep_ms?: Record<string, number>;
  fail?: Record<
    string,
    {
      mode: "permanent" | "retryable" | "throw" | "hang";
      times?: number;
      retry_after_ms?: number;
      /** The permanent error's message (default "<step> refused"). */
      message?: string;
    }
  >;
};

export function programmableHandler(callable: string, executions: Execution[]): StepHandler {
  return defineHandler(callable, {}, async (ctx) => {
    const input = ctx.input as ProgrammableContext;
    const start = Date.now();
    const failure = input.fail?.[ctx.stepName];
    // "times" counts earlier runs of this step of this task, so it holds across operator resets.
    const earlier = executions.filter((e) => e.task === ctx.taskUuid && e.step === ctx.stepName).length;
    if (failure && earlier < (failure.times ?? Number.POSITIVE_INFINITY)) {
      executions.push({
        task: ctx.taskUuid,
        step: ctx.stepName,
        attempt: ctx.attempt,
        start,
        end: Date.now(),
      });
      if (failure.mode === "permanent")
        throw new PermanentError(failure.message ?? `${ctx.stepName} refused`, { code: "refused" });
      if (failure.mode === "retryable") {
        throw new RetryableError(`${ctx.stepName} briefly unavailable`, {
          code: "unavailable",
          ...(failure.retry_after_ms !== undefined ? { retryAfterMs: failure.retry_after_ms } : {}),
        });
      }
      if (failure.mode === "hang") {
        await sleep(60_000, undefined, { signal: ctx.signal }).catch(() => undefined);
        throw new Error("unreachable: the attempt ends at the timeout");
      }
      throw new Error(`${ctx.stepName} crashed`);
    }
    const ms = input.sleep_ms?.[ctx.stepName] ?? 0;
    if (ms > 0) await sleep(ms);
    executions.push({ task: ctx.taskUuid, step: ctx.stepName, attempt: ctx.attempt, start, end: Date.now() });
    return { step: ctx.stepName, attempt: ctx.attempt, saw: Object.keys(ctx.dependencyResults).sort() };
  });
}

type StepSpec = { name: string; deps?: string[]; retry?: Record<string, unknown>; timeout_seconds?: number };

/** A template whose every step uses the programmable handler `test.<step>`. */
export function template(
  namespace: string,
  name: string,
  steps: StepSpec[],
  extra: Record<string, unknown> = {},
): TaskTemplate {
  return parseTemplateObject(
    {
      name,
      namespace_name: namespace,
      version: "1.0.0",
      steps: steps.map((s) => ({
        name: s.name,
        handler: { callable: `test.${s.name}` },
        dependencies: s.deps ?? [],
        retry: { backoff_base_ms: 50, max_backoff_ms: 200, ...s.retry },
        ...(s.timeout_seconds ? { timeout_seconds: s.timeout_seconds } : {}),
      })),
      ...extra,
    },
    `${name}.yaml`,
  ).template;
}

export const TEMPLATES = {
  linear: template("test_alpha", "linear5", [
    { name: "a" },
    { name: "b", deps: ["a"] },
    { name: "c", deps: ["b"] },
    { name: "d", deps: ["c"] },
    { name: "e", deps: ["d"] },
  ]),
  diamond: template("test_alpha", "diamond", [
    { name: "a" },
    { name: "b", deps: ["a"] },
    { name: "c", deps: ["a"] },
    { name: "d", deps: ["b", "c"] },
  ]),
  fanout: template("test_alpha", "fanout", [
    { name: "a" },
    { name: "b", deps: ["a"] },
    { name: "c", deps: ["a"] },
    { name: "d", deps: ["a"] },
    { name: "e", deps: ["b", "c", "d"] },
    { name: "f", deps: ["e"] },
  ]),
  retrying: template("test_alpha", "retrying", [
    { name: "a", retry: { max_attempts: 3 } },
    { name: "b", deps: ["a"], retry: { max_attempts: 2 }, timeout_seconds: 0.5 },
  ]),
  validated: template("test_alpha", "validated", [{ name: "a" }], {
    input_schema: {
      type: "object",
      required: ["order_id"],
      properties: { order_id: { type: "integer", minimum: 1 } },
    },
  }),
  beta: template("test_beta", "beta_chain", [{ name: "a" }, { name: "b", deps: ["a"] }]),
};

export const STEP_NAMES = ["a", "b", "c", "d", "e", "f"];

export interface Harness {
  tasker: Tasker;
  executions: Execution[];
  handlers: StepHandler[];
  url: string | undefined;
  close(): Promise<void>;
}

/** An engine on the backend with the test templates, an orchestrator and (optionally) a worker. */
export async function startHarness(
  backend: TestBackend,
  opts: { worker?: boolean; options?: Partial<TaskerOptions> } = {},
): Promise<Harness> {
  let db: TestDatabase | undefined;
  if (backend === "postgres") db = await createTestDatabase();
  const executions: Execution[] = [];
  const handlers = STEP_NAMES.map((n) => programmableHandler(`test.${n}`, executions));
  const tasker = await Tasker.open({
    ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
    templates: Object.values(TEMPLATES),
    ...opts.options,
  });
  await tasker.startOrchestrator({ pollIntervalMs: 100 });
  if (opts.worker !== false) await tasker.startWorker({ handlers, pollIntervalMs: 100, concurrency: 8 });
  return {
    tasker,
    executions,
    handlers,
    url: db?.url,
    async close() {
      await tasker.close();
      await db?.drop();
    },
  };
}

/** Did the two time intervals overlap? (parallel branches really ran at the same time) */
export function overlaps(a: Execution, b: Execution): boolean {
  return a.start < b.end && b.start < a.end;
}
