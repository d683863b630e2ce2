import { TASK_TERMINAL_EVENTS } from "../events/event-names.js";
import type { LifecycleEvent, LifecycleEvents } from "../events/lifecycle-events.js";
import { checkContextLimits } from "../model/context-limits.js";
import { notFound, TaskerError } from "../model/errors.js";
import type { StepAction } from "../model/step-action.js";
import { invalidBatch, parseTaskBatch, type TaskBatchResponse } from "../model/task-batch.js";
import { type ParsedTaskRequest, type TaskRequest, TaskRequestSchema } from "../model/task-request.js";
import {
  type ListTasksQuery,
  ListTasksQuerySchema,
  type StepResponse,
  type StepTransition,
  type TaskListResponse,
  type TaskResponse,
} from "../model/task-response.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import {
  type CreatedTask,
  createTaskFromTemplate,
  STALE_TEMPLATE,
  type WorkerSlot,
} from "../orchestrator/create-task.js";
import { type BatchItem, createTasksFromTemplates } from "../orchestrator/create-tasks.js";
import { CreationGroup } from "../orchestrator/creation-group.js";
import { applyStepAction, cancelTask } from "../orchestrator/operator-actions.js";
import { TASK_TERMINAL_STATES, type TaskState } from "../state/task-states.js";
import type { Database } from "../store/database.js";
import { selectStep, selectSteps } from "../store/sql/steps.js";
import { selectStepsOfTasks } from "../store/sql/steps-by-tasks.js";
import { listTasks, selectTask } from "../store/sql/tasks.js";
import { selectStepTransitions } from "../store/sql/transitions.js";
import type { TemplateChoice, TemplateStore } from "../store/template-store.js";
import { validateTaskContext } from "../template/input-schema.js";
import { toStepResponse, toStepTransition, toTaskResponse, toTaskSummary } from "./task-view.js";
import type { CreateTaskResult, TaskerClient, WaitForTaskOptions } from "./tasker-client.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface InProcessClientOptions {
  /** Refuse new tasks (503 BACKPRESSURE) while this many are unfinished. 0 = no limit. */
  maxPendingTasks?: number;
  metrics?: MetricsSink;
  /**
   * A free slot of a worker in this process serving `namespace`, if any: the creation claims the
   * task's first ready step for it (see CreationClaim).
   */
  reserveWorkerSlot?: (namespace: string) => WorkerSlot | undefined;
}

/** The client straight on the database: what the API server and embedded apps use. */
export class InProcessClient implements TaskerClient {
  private readonly creations: CreationGroup;

  constructor(
    private readonly db: Database,
    private readonly templates: TemplateStore,
    private readonly events: LifecycleEvents,
    private readonly options: InProcessClientOptions = {},
  ) {
    this.creations = new CreationGroup(db, options.maxPendingTasks ?? 0);
  }

  async createTask(input: TaskRequest): Promise<CreateTaskResult> {
    const parsed = TaskRequestSchema.safeParse(input);
    if (!parsed.success) {
      throw new TaskerError(
        "BAD_REQUEST",
        `invalid task request: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")}`,
        {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        },
      );
    }
    const request = parsed.data;
    const limit = checkContextLimits(request.context);
    if (limit) throw new TaskerError(limit.code, limit.message, { path: limit.path });

    const created = await this.createFromTemplate(request);
    if (created.created) this.options.metrics?.taskCreated(request.namespace);
    // A new task is answered from the rows just written, as of its creation (no read back).
    const task = created.rows
      ? toTaskResponse(created.rows.task, created.rows.steps)
      : await this.getTask(created.taskUuid);
    return { task, created: created.created };
  }

  async createTasks(requests: readonly TaskRequest[]): Promise<TaskBatchResponse> {
    const parsed = parseTaskBatch(requests);
    for (let attempt = 1; ; attempt++) {
      const items = await this.chooseForBatch(parsed);
      const created = await createTasksFromTemplates(
        this.db,
        items,
        new Date(),
        this.options.maxPendingTasks ?? 0,
      );
      if (created !== STALE_TEMPLATE) {
        for (const [i, c] of created.entries()) {
          if (c.created) this.options.metrics?.taskCreated(parsed[i]!.namespace);
        }
        return { tasks: created.map((c) => ({ task_uuid: c.taskUuid, created: c.created })) };
      }
      for (const r of parsed) this.templates.forget(r.namespace, r.name);
      if (attempt === 3) {
        throw new TaskerError(
          "SERVICE_UNAVAILABLE",
          "a template of the batch changed three times while its tasks were being created; retry",
          undefined,
          1,
        );
      }
    }
  }

  /** Each request's template, and its context checked against the template's input_schema. */
  private async chooseForBatch(requests: readonly ParsedTaskRequest[]): Promise<BatchItem[]> {
    const chosen = new Map<string, TemplateChoice | undefined>();
    const items: BatchItem[] = [];
    const issues: { path: string; message: string }[] = [];
    for (const [i, request] of requests.entries()) {
      const key = `${request.namespace}/${request.name}@${request.version ?? ""}`;
      if (!chosen.has(key)) {
        chosen.set(key, await this.templates.choose(request.namespace, request.name, request.version));
      }
      const choice = chosen.get(key);
      if (!choice) {
        const missing = await this.templateNotFound(request);
        throw new TaskerError("NOT_FOUND", `tasks[${i}]: ${missing.message}; nothing was created`, {
          ...(missing.details as Record<string, unknown>),
          index: i,
          path: `tasks[${i}]`,
        });
      }
      const valid = validateTaskContext(choice.template, request.context);
      if (!valid.ok) {
        for (const issue of valid.issues) {
          issues.push({
            path: `tasks[${i}].context${issue.path ? `.${issue.path}` : ""}`,
            message: issue.message,
          });
        }
      }
      items.push({ choice, request });
    }
    if (issues.length > 0) {
      throw invalidBatch("VALIDATION_ERROR", "contexts do not match their templates' input_schema", issues);
    }
    return items;
  }

  /**
   * The template comes from this process's cache; the create statement checks that it is still
   * the one to use (another process may have registered a newer version): if not, choose again.
   */
  private async createFromTemplate(request: ParsedTaskRequest): Promise<CreatedTask> {
    for (let attempt = 1; ; attempt++) {
      const choice = await this.templates.choose(request.namespace, request.name, request.version);
      if (!choice) throw await this.templateNotFound(request);
      const { template } = choice;
      const valid = validateTaskContext(template, request.context);
      if (!valid.ok) {
        throw new TaskerError(
          "VALIDATION_ERROR",
          `context does not match the input_schema of ${template.namespace_name}/${template.name} ${template.version}: ${valid.issues.map((i) => `${i.path || "(context)"}: ${i.message}`).join("; ")}`,
          { issues: valid.issues },
        );
      }
      const slot = this.options.reserveWorkerSlot?.(request.namespace);
      let created: CreatedTask | typeof STALE_TEMPLATE;
      try {
        // Concurrent creations share a statement (CreationGroup), but for a claim or a key.
        created =
          slot || request.idempotency_key !== undefined
            ? await createTaskFromTemplate(
                this.db,
                choice,
                request,
                new Date(),
                slot,
                this.options.maxPendingTasks ?? 0,
              )
            : await this.creations.create({ choice, request });
      } catch (err) {
        slot?.release();
        throw err;
      }
      if (created !== STALE_TEMPLATE && created.claimed) slot?.run(created.claimed);
      else slot?.release();
      if (created !== STALE_TEMPLATE) return created;
      this.templates.forget(request.namespace, request.name);
      if (attempt === 3) {
        throw new TaskerError(
          "SERVICE_UNAVAILABLE",
          `template ${request.namespace}/${request.name} changed three times while the task was being created; retry`,
          undefined,
          1,
        );
      }
    }
  }

  private async templateNotFound(request: ParsedTaskRequest): Promise<TaskerError> {
    const versions = await this.templates.versions(request.namespace, request.name);
    return new TaskerError(
      "NOT_FOUND",
      versions.length > 0
        ? `template ${request.namespace}/${request.name} has no version ${request.version}; registered versions: ${versions.join(", ")}`
        : `no template ${request.namespace}/${request.name} is registered; check name and namespace (GET /v1/templates lists them)`,
      {
        namespace: request.namespace,
        name: request.name,
        version: request.version ?? null,
        available_versions: versions,
      },
    );
  }

  async getTask(taskUuid: string): Promise<TaskResponse> {
    assertUuid(taskUuid, "task_uuid");
    const task = await selectTask(this.db, taskUuid);
    if (!task) throw notFound("Task", taskUuid);
    const steps = await selectSteps(this.db, taskUuid, { withPayload: true });
    return toTaskResponse(task, steps);
  }

  async listTasks(query: ListTasksQuery = {}): Promise<TaskListResponse> {
    const parsed = ListTasksQuerySchema.safeParse(query);
    if (!parsed.success) {
      throw new TaskerError(
        "BAD_REQUEST",
        `invalid query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        },
      );
    }
    const q = parsed.data;
    const { rows, total } = await listTasks(this.db, q);
    const steps = await selectStepsOfTasks(
      this.db,
      rows.map((r) => r.task_uuid),
    );
    const now = new Date();
    return {
      tasks: rows.map((t) =>
        toTaskSummary(
          t,
          steps.filter((s) => s.task_uuid === t.task_uuid),
          now,
        ),
      ),
      pagination: { total, limit: q.limit, offset: q.offset, has_more: q.offset + rows.length < total },
    };
  }

  async listTaskSteps(taskUuid: string): Promise<StepResponse[]> {
    return (await this.getTask(taskUuid)).steps;
  }

  async getStep(taskUuid: string, stepUuid: string): Promise<StepResponse> {
    assertUuid(taskUuid, "task_uuid");
    assertUuid(stepUuid, "step_uuid");
    const step = await selectStep(this.db, taskUuid, stepUuid);
    if (!step) {
      if (!(await selectTask(this.db, taskUuid))) throw notFound("Task", taskUuid);
      throw notFound("Workflow step", stepUuid);
    }
    return toStepResponse(step);
  }

  async getStepAudit(taskUuid: string, stepUuid: string): Promise<StepTransition[]> {
    await this.getStep(taskUuid, stepUuid);
    return (await selectStepTransitions(this.db, stepUuid)).map(toStepTransition);
  }

  async cancelTask(taskUuid: string, reason?: string): Promise<TaskResponse> {
    assertUuid(taskUuid, "task_uuid");
    await this.db.transaction((tx) => cancelTask(tx, taskUuid, reason ?? "cancelled by request"));
    return this.getTask(taskUuid);
  }

  async updateStep(taskUuid: string, stepUuid: string, action: StepAction): Promise<StepResponse> {
    assertUuid(taskUuid, "task_uuid");
    assertUuid(stepUuid, "step_uuid");
    await this.db.transaction((tx) => applyStepAction(tx, taskUuid, stepUuid, action));
    return this.getStep(taskUuid, stepUuid);
  }

  retryStep(taskUuid: string, stepUuid: string, reason: string) {
    return this.updateStep(taskUuid, stepUuid, { action_type: "reset_for_retry", reason });
  }

  resolveStepManually(taskUuid: string, stepUuid: string, reason: string) {
    return this.updateStep(taskUuid, stepUuid, { action_type: "resolve_manually", reason });
  }

  completeStepManually(taskUuid: string, stepUuid: string, result: unknown, reason: string) {
    return this.updateStep(taskUuid, stepUuid, {
      action_type: "complete_manually",
      reason,
      completion_data: { result },
    });
  }

  /** Waits on lifecycle events (with a poll as a safety net) until the task is terminal. */
  async waitForTask(taskUuid: string, options: WaitForTaskOptions = {}): Promise<TaskResponse> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    // Progress is reported as the task's steps finish; a plain wait needs only the task's end.
    const wakeOn = (e: LifecycleEvent) => {
      if (e.task_uuid === taskUuid) wake?.();
    };
    const offs = options.onProgress
      ? [this.events.on("*", wakeOn)]
      : TASK_TERMINAL_EVENTS.map((name) => this.events.on(name, wakeOn));
    const off = () => {
      for (const o of offs) o();
    };
    try {
      await this.events.ready();
      let lastStatus: string | undefined;
      for (;;) {
        const task = await this.getTask(taskUuid);
        if (task.status !== lastStatus) {
          lastStatus = task.status;
          options.onProgress?.(task);
        }
        if (TASK_TERMINAL_STATES.has(task.status as TaskState)) return task;
        if (options.signal?.aborted) throw new TaskerError("SERVICE_UNAVAILABLE", "waitForTask was aborted");
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new TaskerError(
            "SERVICE_UNAVAILABLE",
            `task ${taskUuid} did not finish within ${timeoutMs} ms (status ${task.status}); is a worker serving namespace ${task.namespace}?`,
            { task_uuid: taskUuid, status: task.status },
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, options.intervalMs ?? 1000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      off();
    }
  }
}

function assertUuid(value: string, field: string): void {
  if (!UUID.test(value)) {
    throw new TaskerError("BAD_REQUEST", `${field} "${value}" is not a valid UUID`, { field, value });
  }
}
