import { TaskerError } from "../model/errors.js";
import type { ParsedTaskRequest } from "../model/task-request.js";
import type { Database } from "../store/database.js";
import { insertTaskGraphs } from "../store/sql/insert-task-graphs.js";
import { selectTaskByIdempotencyKey } from "../store/sql/tasks.js";
import type { TemplateChoice } from "../store/template-store.js";
import { backpressure, type CreatedTask, planNewTask, STALE_TEMPLATE } from "./create-task.js";

/** One task of a batch: its request and the template chosen for it. */
export interface BatchItem {
  choice: TemplateChoice;
  request: ParsedTaskRequest;
}

/**
 * Creates every task of a batch in one statement (see insertTaskGraphs), all or none: a key taken
 * by a different request (CONFLICT naming the task's index), a changed template (stale: choose
 * again) or the limit of unfinished tasks (BACKPRESSURE) writes nothing. A task whose idempotency
 * key exists for the same request is answered with the existing task (`created: false`). The roots
 * are enqueued, none is claimed at creation. No two items may share an idempotency key.
 */
export async function createTasksFromTemplates(
  db: Database,
  items: readonly BatchItem[],
  now = new Date(),
  maxPendingTasks = 0,
): Promise<CreatedTask[] | typeof STALE_TEMPLATE> {
  const planned = items.map(({ choice, request }) => planNewTask(choice, request, now));
  const written = await insertTaskGraphs(
    db,
    planned.map((p) => p.graph),
    maxPendingTasks,
  );
  if (written.outcome === "stale") return STALE_TEMPLATE;
  if (written.outcome === "refused") throw backpressure(maxPendingTasks);
  const taken = new Map(written.taken.map((k) => [k.idempotency_key, k]));
  if (written.outcome === "conflict") {
    const index = items.findIndex(({ request }, i) => {
      const key = request.idempotency_key;
      const existing = key === undefined ? undefined : taken.get(key);
      return existing !== undefined && existing.request_hash !== planned[i]!.requestHash;
    });
    const key = items[index]!.request.idempotency_key!;
    throw conflict(index, key, taken.get(key)!.task_uuid);
  }
  const created: CreatedTask[] = [];
  for (const [i, p] of planned.entries()) {
    const key = items[i]!.request.idempotency_key;
    if (written.inserted.has(p.task.task_uuid)) {
      created.push({ taskUuid: p.task.task_uuid, created: true, rows: { task: p.task, steps: p.stepRows } });
    } else if (key !== undefined && taken.has(key)) {
      created.push({ taskUuid: taken.get(key)!.task_uuid, created: false });
    } else {
      // Its key was taken by a creation that committed while this statement ran.
      const existing = key === undefined ? undefined : await selectTaskByIdempotencyKey(db, key);
      if (!existing) {
        throw new TaskerError("SERVICE_UNAVAILABLE", `tasks[${i}] was not created; retry`, { index: i }, 1);
      }
      if (existing.request_hash !== p.requestHash) throw conflict(i, key!, existing.task_uuid);
      created.push({ taskUuid: existing.task_uuid, created: false });
    }
  }
  return created;
}

function conflict(index: number, key: string, existingTaskUuid: string): TaskerError {
  return new TaskerError(
    "CONFLICT",
    `tasks[${index}].idempotency_key "${key}" was already used for a different request (task ${existingTaskUuid}); nothing was created: use a new key or send the same payload`,
    {
      index,
      path: `tasks[${index}].idempotency_key`,
      idempotency_key: key,
      existing_task_uuid: existingTaskUuid,
    },
  );
}
