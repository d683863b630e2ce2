import { z } from "zod";
import {
  type HealthResponse,
  HealthResponseSchema,
  type TemplateDetail,
  TemplateDetailSchema,
  type TemplateListResponse,
  TemplateListResponseSchema,
} from "../api/wire-schemas.js";
import { ERROR_CODES, type ErrorCode, ErrorEnvelopeSchema, TaskerError } from "../model/errors.js";
import type { StepAction } from "../model/step-action.js";
import { type TaskBatchResponse, TaskBatchResponseSchema } from "../model/task-batch.js";
import type { TaskRequest } from "../model/task-request.js";
import {
  type ListTasksQuery,
  type StepResponse,
  StepResponseSchema,
  type StepTransition,
  StepTransitionSchema,
  type TaskListResponse,
  TaskListResponseSchema,
  type TaskResponse,
  TaskResponseSchema,
} from "../model/task-response.js";
import { TASK_TERMINAL_STATES } from "../state/task-states.js";
import type { CreateTaskResult, TaskerClient, WaitForTaskOptions } from "./tasker-client.js";

/** Options of {@link TaskerHttpClient}. */
export interface TaskerHttpClientOptions {
  /** The orchestration API, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `X-API-Key` when the server requires keys. */
  apiKey?: string;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts after a 503; default 3. */
  retries?: number;
  /** Upper bound on one wait between retries, whatever Retry-After says; default 30 s. */
  maxRetryDelayMs?: number;
  /** Injected fetch (e.g. an app's `app.request`-style fetch); default global fetch. */
  fetch?: typeof fetch;
}

interface RequestOptions {
  query?: Record<string, unknown>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Non-2xx statuses whose body is a normal answer of this route (health's 503). */
  acceptStatuses?: number[];
  /** false: no 503 retries (default true). */
  retry?: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
/** Wait this long before retrying a 503 that did not say how long. */
const DEFAULT_RETRY_DELAY_MS = 1_000;

const STATUS_CODES = new Map<number, ErrorCode>(
  Object.entries(ERROR_CODES).map(([code, status]) => [status, code as ErrorCode]),
);
STATUS_CODES.set(503, "SERVICE_UNAVAILABLE");

/** The delay a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The code for an HTTP status without an envelope (a proxy's 502 page, say). */
export function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES.get(status) ?? (status >= 500 ? "SERVICE_UNAVAILABLE" : "BAD_REQUEST");
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const StepListSchema = z.array(StepResponseSchema);
const StepTransitionListSchema = z.array(StepTransitionSchema);

/**
 * The TaskerClient over the orchestration REST API: same methods, same TaskerErrors (parsed
 * from the `{error: {code, message, details}}` envelope). Each attempt has a timeout; 503s are
 * retried after Retry-After (capped); transport failures surface as SERVICE_UNAVAILABLE.
 */
export class TaskerHttpClient implements TaskerClient {
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: TaskerHttpClientOptions) {
    let url: URL | undefined;
    try {
      url = new URL(options.baseUrl);
    } catch {
      // Reported below, together with non-http schemes ("localhost:8080" parses as scheme "localhost:").
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new TypeError(
        `TaskerHttpClient: baseUrl "${options.baseUrl}" is not an http(s) URL; use e.g. http://127.0.0.1:8080`,
      );
    }
    this.baseUrl = url.toString().replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = Math.max(0, options.retries ?? DEFAULT_RETRIES);
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  async createTask(request: TaskRequest): Promise<CreateTaskResult> {
    const { status, data } = await this.request("POST", "/v1/tasks", TaskResponseSchema, { body: request });
    return { task: data, created: status === 201 };
  }

  async createTasks(requests: readonly TaskRequest[]): Promise<TaskBatchResponse> {
    return (
      await this.request("POST", "/v1/tasks/batch", TaskBatchResponseSchema, { body: { tasks: requests } })
    ).data;
  }

  async getTask(taskUuid: string): Promise<TaskResponse> {
    return (await this.request("GET", `/v1/tasks/${seg(taskUuid)}`, TaskResponseSchema)).data;
  }

  async listTasks(query: ListTasksQuery = {}): Promise<TaskListResponse> {
    return (await this.request("GET", "/v1/tasks", TaskListResponseSchema, { query: { ...query } })).data;
  }

  async listTaskSteps(taskUuid: string): Promise<StepResponse[]> {
    return (await this.request("GET", `/v1/tasks/${seg(taskUuid)}/workflow_steps`, StepListSchema)).data;
  }

  async getStep(taskUuid: string, stepUuid: string): Promise<StepResponse> {
    return (await this.request("GET", stepPath(taskUuid, stepUuid), StepResponseSchema)).data;
  }

  async getStepAudit(taskUuid: string, stepUuid: string): Promise<StepTransition[]> {
    return (await this.request("GET", `${stepPath(taskUuid, stepUuid)}/audit`, StepTransitionListSchema))
      .data;
  }

  async cancelTask(taskUuid: string, reason?: string): Promise<TaskResponse> {
    return (
      await this.request("DELETE", `/v1/tasks/${seg(taskUuid)}`, TaskResponseSchema, { query: { reason } })
    ).data;
  }

  async updateStep(taskUuid: string, stepUuid: string, action: StepAction): Promise<StepResponse> {
    return (await this.request("PATCH", stepPath(taskUuid, stepUuid), StepResponseSchema, { body: action }))
      .data;
  }

  retryStep(taskUuid: string, stepUuid: string, reason: string): Promise<StepResponse> {
    return this.updateStep(taskUuid, stepUuid, { action_type: "reset_for_retry", reason });
  }

  resolveStepManually(taskUuid: string, stepUuid: string, reason: string): Promise<StepResponse> {
    return this.updateStep(taskUuid, stepUuid, { action_type: "resolve_manually", reason });
  }

  completeStepManually(
    taskUuid: string,
    stepUuid: string,
    result: unknown,
    reason: string,
  ): Promise<StepResponse> {
    return this.updateStep(taskUuid, stepUuid, {
      action_type: "complete_manually",
      reason,
      completion_data: { result },
    });
  }

  /** `GET /v1/templates`: registered templates, optionally of one namespace. */
  async listTemplates(namespace?: string): Promise<TemplateListResponse> {
    return (await this.request("GET", "/v1/templates", TemplateListResponseSchema, { query: { namespace } }))
      .data;
  }

  /** `GET /v1/templates/{namespace}/{name}/{version}`; NOT_FOUND when not registered. */
  async getTemplate(namespace: string, name: string, version: string): Promise<TemplateDetail> {
    const path = `/v1/templates/${seg(namespace)}/${seg(name)}/${seg(version)}`;
    return (await this.request("GET", path, TemplateDetailSchema)).data;
  }

  /**
   * `GET /health`. An unhealthy server answers 503 with the same body; that is returned too
   * (status "unhealthy"), not thrown, so callers can show which check failed.
   */
  async health(): Promise<HealthResponse> {
    return (
      await this.request("GET", "/health", HealthResponseSchema, { acceptStatuses: [503], retry: false })
    ).data;
  }

  /** Polls `GET /v1/tasks/{uuid}` until the task is terminal; SERVICE_UNAVAILABLE on timeout. */
  async waitForTask(taskUuid: string, options: WaitForTaskOptions = {}): Promise<TaskResponse> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const intervalMs = options.intervalMs ?? 1_000;
    const deadline = Date.now() + timeoutMs;
    let lastSeen: string | undefined;
    for (;;) {
      const task = await this.getTask(taskUuid);
      const fingerprint = `${task.status}:${task.completed_steps}:${task.failed_steps}:${task.in_progress_steps}`;
      if (fingerprint !== lastSeen) {
        lastSeen = fingerprint;
        options.onProgress?.(task);
      }
      if (TASK_TERMINAL_STATES.has(task.status)) return task;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new TaskerError(
          "SERVICE_UNAVAILABLE",
          `task ${taskUuid} did not finish within ${timeoutMs} ms (last status: ${task.status}, ${task.completion_percentage}% complete)`,
          { task_uuid: taskUuid, status: task.status },
        );
      }
      try {
        await sleep(Math.min(intervalMs, remaining), options.signal);
      } catch {
        throw new TaskerError("SERVICE_UNAVAILABLE", "waitForTask was aborted", { task_uuid: taskUuid });
      }
    }
  }

  /** One API call: timeout per attempt, 503 retries, envelope errors, response validation. */
  private async request<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    options: RequestOptions = {},
  ): Promise<{ status: number; data: z.output<T> }> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.apiKey) headers["X-API-Key"] = this.apiKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }

    for (let attempt = 0; ; attempt++) {
      const response = await this.send(method, url, headers, body, options.signal);
      if (response.status === 503 && options.retry !== false && attempt < this.retries) {
        const asked =
          parseRetryAfter(response.headers.get("retry-after")) ?? DEFAULT_RETRY_DELAY_MS * 2 ** attempt;
        await response.body?.cancel().catch(() => {});
        await sleep(Math.min(asked, this.maxRetryDelayMs), options.signal);
        continue;
      }
      const text = await response.text().catch(() => "");
      if (!response.ok && !options.acceptStatuses?.includes(response.status)) {
        throw this.errorFrom(method, url, response, text);
      }
      let json: unknown;
      try {
        json = text === "" ? null : JSON.parse(text);
      } catch {
        throw new TaskerError(
          "INTERNAL_ERROR",
          `${method} ${url.pathname} answered ${response.status} with non-JSON`,
          {
            status: response.status,
          },
        );
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new TaskerError(
          "INTERNAL_ERROR",
          `${method} ${url.pathname} answered with an unexpected shape: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
            .join("; ")}; is ${this.baseUrl} a tasker orchestration API of the same version?`,
          { issues: parsed.error.issues },
        );
      }
      return { status: response.status, data: parsed.data };
    }
  }

  private async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await this.fetchImpl(url, { method, headers, body, signal: combined });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      if (timeout.aborted) {
        throw new TaskerError(
          "SERVICE_UNAVAILABLE",
          `${method} ${url.pathname} timed out after ${this.timeoutMs} ms; is the orchestration API at ${this.baseUrl} overloaded?`,
          { timeout_ms: this.timeoutMs },
        );
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new TaskerError(
        "SERVICE_UNAVAILABLE",
        `cannot reach the orchestration API at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}); is it running?`,
        { url: this.baseUrl },
      );
    }
  }

  private errorFrom(method: string, url: URL, response: Response, text: string): TaskerError {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
    let envelope: z.infer<typeof ErrorEnvelopeSchema> | undefined;
    try {
      const parsed = ErrorEnvelopeSchema.safeParse(JSON.parse(text));
      if (parsed.success) envelope = parsed.data;
    } catch {
      // Not JSON: a proxy or load balancer answered; fall back to the status.
    }
    if (envelope) {
      return new TaskerError(
        envelope.error.code,
        envelope.error.message,
        envelope.error.details,
        retryAfterSeconds,
      );
    }
    return new TaskerError(
      codeForStatus(response.status),
      `${method} ${url.pathname} failed with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
      { status: response.status },
      retryAfterSeconds,
    );
  }
}

function seg(id: string): string {
  return encodeURIComponent(id);
}

function stepPath(taskUuid: string, stepUuid: string): string {
  return `/v1/tasks/${seg(taskUuid)}/workflow_steps/${seg(stepUuid)}`;
}
