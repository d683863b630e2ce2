import { z } from "zod";
import { checkContextLimits } from "./context-limits.js";
import { TaskerError } from "./errors.js";
import { type ParsedTaskRequest, TaskRequestSchema } from "./task-request.js";

/** Tasks one batch may create: its statement, its validation and its answer stay bounded. */
export const MAX_BATCH_TASKS = 1000;

/** POST /v1/tasks/batch body: task requests, each as POST /v1/tasks takes it. */
export const TaskBatchRequestSchema = z
  .object({ tasks: z.array(TaskRequestSchema).min(1, "send at least one task") })
  .strict();
/** A batch as a caller writes it. */
export type TaskBatchRequest = z.input<typeof TaskBatchRequestSchema>;

/** One task of a batch's answer, at the index of its request. */
export const BatchCreatedTaskSchema = z.object({
  task_uuid: z.string(),
  /** false when its idempotency key matched an existing task with the same payload. */
  created: z.boolean(),
});

/** The answer to a batch: one entry per request, in the order sent. */
export const TaskBatchResponseSchema = z.object({ tasks: z.array(BatchCreatedTaskSchema) });
export type TaskBatchResponse = z.infer<typeof TaskBatchResponseSchema>;

/** A field of a batch as its errors name it: `tasks[3].context.x`. */
export function batchPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Checks a batch's requests before anything is written, all of them: the size limit (413), each
 * request's fields and its context's limits, and idempotency keys repeated within the batch. The
 * errors name the index and field (`tasks[3].priority`). Returns the requests with defaults applied.
 */
export function parseTaskBatch(requests: readonly unknown[]): ParsedTaskRequest[] {
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new TaskerError("BAD_REQUEST", "tasks: send at least one task", {
      issues: [{ path: "tasks", message: "send at least one task" }],
    });
  }
  if (requests.length > MAX_BATCH_TASKS) {
    throw new TaskerError(
      "PAYLOAD_TOO_LARGE",
      `a batch creates at most ${MAX_BATCH_TASKS} tasks (got ${requests.length}); send several batches`,
      { path: "tasks", max_tasks: MAX_BATCH_TASKS, tasks: requests.length },
    );
  }
  const issues: { path: string; message: string }[] = [];
  const parsed: ParsedTaskRequest[] = [];
  const firstWithKey = new Map<string, number>();
  requests.forEach((raw, i) => {
    const r = TaskRequestSchema.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues)
        issues.push({ path: batchPath(["tasks", i, ...issue.path]), message: issue.message });
      return;
    }
    const limit = checkContextLimits(r.data.context);
    if (limit) issues.push({ path: `tasks[${i}].${limit.path}`, message: limit.message });
    const key = r.data.idempotency_key;
    if (key !== undefined) {
      const first = firstWithKey.get(key);
      if (first !== undefined) {
        issues.push({
          path: `tasks[${i}].idempotency_key`,
          message: `repeats the idempotency_key of tasks[${first}]; a key names one task`,
        });
      } else firstWithKey.set(key, i);
    }
    parsed.push(r.data);
  });
  if (issues.length > 0) throw invalidBatch("BAD_REQUEST", "invalid task batch", issues);
  return parsed;
}

/** An error naming every field that was wrong (the first five in its message). */
export function invalidBatch(
  code: "BAD_REQUEST" | "VALIDATION_ERROR",
  what: string,
  issues: readonly { path: string; message: string }[],
): TaskerError {
  const shown = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join("; ");
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  return new TaskerError(code, `${what}; nothing was created: ${shown}${more}`, { issues });
}
