// The TypeScript remote worker under the conformance suite: bootstrapWorker over the worker
// protocol (no database access) with the `conformance.step` handler of conformance/README.md.
//   npx tsx conformance/run.ts --worker "npx tsx conformance/workers/typescript.ts"
import {
  batchInputs,
  bootstrapWorker,
  createBatches,
  decide,
  defineHandler,
  noBatches,
  noBranches,
  PermanentError,
  planBatches,
  RetryableError,
  stopWorker,
} from "@tasker-ts/tasker";

interface Behaviour {
  sleep_ms?: number;
  fail_attempts?: number;
  failure?: {
    retryable?: boolean;
    code?: string;
    message?: string;
    retry_after_ms?: number;
    metadata?: Record<string, unknown>;
  };
  result?: Record<string, unknown>;
  echo?: boolean;
  result_bytes?: number;
  checkpoint?: Record<string, unknown>;
  decide?: "no_branches" | { create_steps: string[] };
  batches?: { total: number; batch_size?: number };
  echo_batch?: boolean;
}

const step = defineHandler("conformance.step", {}, async (ctx) => {
  const b = ctx.initialization as Behaviour;
  if (b.sleep_ms) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, b.sleep_ms);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    });
  }
  if (b.checkpoint) await ctx.checkpoint({ ...b.checkpoint, attempt: ctx.attempt });
  if (ctx.attempt <= (b.fail_attempts ?? 0)) {
    const f = b.failure ?? {};
    const message = f.message ?? `${ctx.stepName} failed on attempt ${ctx.attempt}`;
    const options = { ...(f.code ? { code: f.code } : {}), ...(f.metadata ? { metadata: f.metadata } : {}) };
    if (f.retryable === false) throw new PermanentError(message, options);
    throw new RetryableError(message, {
      ...options,
      ...(f.retry_after_ms ? { retryAfterMs: f.retry_after_ms } : {}),
    });
  }
  const result = {
    step: ctx.stepName,
    attempt: ctx.attempt,
    ...(b.echo
      ? {
          context: ctx.input,
          dependency_results: ctx.dependencyResults,
          initialization: ctx.initialization,
          task_name: ctx.taskName,
          namespace: ctx.namespace,
          max_attempts: ctx.maxAttempts,
        }
      : {}),
    ...(b.result_bytes ? { padding: "x".repeat(b.result_bytes) } : {}),
    ...(b.checkpoint ? { resume_from: ctx.resumeFrom } : {}),
    ...(b.echo_batch ? { batch: batchInputs(ctx) } : {}),
    ...b.result,
  };
  if (b.decide === "no_branches") return noBranches(result);
  if (b.decide) return decide(b.decide.create_steps, result);
  if (b.batches) {
    const { total, batch_size } = b.batches;
    return total === 0
      ? noBatches(result)
      : createBatches(planBatches({ total, batchSize: batch_size, batchConfig: ctx.batchConfig }), {
          result,
        });
  }
  return result;
});

const url = process.env.TASKER_URL;
if (!url) throw new Error("TASKER_URL is not set (the conformance runner sets it)");
const started = await bootstrapWorker({
  orchestrationUrl: url,
  ...(process.env.TASKER_API_KEY ? { apiKey: process.env.TASKER_API_KEY } : {}),
  namespaces: (process.env.TASKER_NAMESPACES ?? "conformance").split(","),
  handlers: [step],
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 10),
});
if (!started.success) {
  console.error(started.message);
  process.exit(1);
}
console.log(started.message);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => void stopWorker().then(() => process.exit(0)));
}
