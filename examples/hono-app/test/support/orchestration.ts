// Helpers that watch tasks the way an outside client would: through the orchestration REST API
// at ORCHESTRATION_URL (GET /v1/tasks/{uuid}, .../workflow_steps), polling every second.
import type { StepResponse, TaskResponse } from "@tasker-ts/tasker/client";

const TERMINAL = new Set(["complete", "error", "cancelled", "resolved_manually"]);

export interface PollOptions {
  /** Default 30 s. */
  timeoutMs?: number;
  /** Default 1 s. */
  intervalMs?: number;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export function orchestrationUrl(explicit?: string): string {
  const url = explicit ?? process.env.ORCHESTRATION_URL;
  if (!url) throw new Error("ORCHESTRATION_URL is not set; pass the orchestration API's base URL");
  return url.replace(/\/$/, "");
}

/** Polls GET /v1/tasks/{uuid} until the task is terminal; returns it (whatever the outcome). */
export async function waitForTaskCompletion(
  baseUrl: string,
  taskUuid: string,
  options: PollOptions = {},
): Promise<TaskResponse> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 1_000;
  const deadline = Date.now() + timeoutMs;
  let last: TaskResponse | undefined;
  for (;;) {
    last = await getJson<TaskResponse>(`${orchestrationUrl(baseUrl)}/v1/tasks/${taskUuid}`);
    if (TERMINAL.has(last.status)) return last;
    if (Date.now() + intervalMs > deadline) {
      const steps = last.steps.map((s) => `${s.name}=${s.current_state}(${s.attempts})`).join(", ");
      throw new Error(`task ${taskUuid} still ${last.status} after ${timeoutMs} ms: ${steps}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** GET /v1/tasks/{uuid}/workflow_steps */
export function getTaskSteps(baseUrl: string, taskUuid: string): Promise<StepResponse[]> {
  return getJson<StepResponse[] | { steps: StepResponse[] }>(
    `${orchestrationUrl(baseUrl)}/v1/tasks/${taskUuid}/workflow_steps`,
  ).then((body) => (Array.isArray(body) ? body : body.steps));
}

/** GET /v1/tasks/{uuid}/workflow_steps/{step_uuid}, found by step name (results and error included). */
export async function getStep(baseUrl: string, taskUuid: string, stepName: string): Promise<StepResponse> {
  const steps = await getTaskSteps(baseUrl, taskUuid);
  const step = steps.find((s) => s.name === stepName);
  if (!step)
    throw new Error(
      `task ${taskUuid} has no step "${stepName}"; it has ${steps.map((s) => s.name).join(", ")}`,
    );
  return getJson<StepResponse>(
    `${orchestrationUrl(baseUrl)}/v1/tasks/${taskUuid}/workflow_steps/${step.workflow_step_uuid}`,
  );
}
