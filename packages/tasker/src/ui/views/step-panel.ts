import { html, raw } from "hono/html";
import type { StepResponse, TaskResponse } from "../../model/task-response.js";
import { allowedStepActions, type StepActionType } from "../data/allowed-actions.js";
import type { SelectedStep } from "../data/task-detail.js";
import { can } from "../session.js";
import type { UiContext } from "../ui-context.js";
import { formatDuration, jsonBlock, stateBadge, timeTag } from "./format.js";
import type { Html } from "./html.js";

const ACTION_LABELS: Record<StepActionType, { button: string; confirm: (step: string) => string }> = {
  reset_for_retry: {
    button: "Retry step",
    confirm: (s) => `Retry step "${s}"? Its attempts start again from zero.`,
  },
  resolve_manually: {
    button: "Resolve manually",
    confirm: (s) => `Resolve step "${s}" manually? Steps that depend on it run without its result.`,
  },
  complete_manually: {
    button: "Complete with result",
    confirm: (s) =>
      `Complete step "${s}" with the result given? Steps that depend on it receive that result.`,
  },
};

/** How long the step's work took: its last attempt to completion, or running so far. */
export function stepDuration(step: StepResponse, now = new Date()): number | undefined {
  if (!step.last_attempted_at) return undefined;
  const start = Date.parse(step.last_attempted_at);
  if (step.completed_at) return Date.parse(step.completed_at) - start;
  return step.current_state === "in_progress" ? now.getTime() - start : undefined;
}

function actionsForm(ctx: UiContext, task: TaskResponse, step: StepResponse): Html {
  const allowed = allowedStepActions(task.status, step.current_state);
  if (allowed.length === 0) return html``;
  if (!can(ctx.principal, "steps:resolve")) {
    return html`<p class="muted small">Your API key cannot change steps (it needs the <code>steps:resolve</code> permission).</p>`;
  }
  const url = `${ctx.base}/tasks/${task.task_uuid}/steps/${step.workflow_step_uuid}/action`;
  return html`<form class="step-actions" method="post" action="${url}" aria-labelledby="actions-heading">
<h3 id="actions-heading">Fix this step</h3>
<label>Reason <span class="muted small">(kept in the step's audit trail)</span>
<textarea name="reason" required maxlength="1000" rows="2" placeholder="e.g. the card service is back; retrying"></textarea></label>
${
  allowed.includes("complete_manually")
    ? html`<details><summary>Result for “Complete with result”</summary><label>Result (JSON that dependent steps receive)<textarea name="result" rows="4" spellcheck="false" class="mono">{}</textarea></label></details>`
    : ""
}
<div class="button-row">${allowed.map(
    (a, i) =>
      html`<button type="submit" name="action_type" value="${a}" class="button${i === 0 ? " primary" : ""}" data-action="${a}" hx-post="${url}" hx-target="#live" hx-swap="outerHTML" hx-confirm="${ACTION_LABELS[a].confirm(step.name)}">${ACTION_LABELS[a].button}</button>`,
  )}</div>
</form>`;
}

/** The step's last checkpoint: its cursor (else the whole checkpoint) and when it was saved. */
export function checkpointFact(step: StepResponse): Html {
  const checkpoint = step.checkpoint;
  if (!checkpoint) return html``;
  const shown = "cursor" in checkpoint ? checkpoint.cursor : checkpoint;
  return html`<dt>Checkpoint</dt><dd data-checkpoint>${"cursor" in checkpoint ? "cursor " : ""}<code>${JSON.stringify(shown).slice(0, 200)}</code> · ${timeTag(step.checkpointed_at ?? null)}</dd>`;
}

function errorBlock(step: StepResponse): Html {
  const error = step.error;
  if (!error) return html``;
  return html`<section class="callout callout-error" aria-label="Error">
<p class="strong">${error.message}</p>
<p class="small">kind <code>${error.kind}</code>${error.code ? html` · code <code>${error.code}</code>` : ""} · ${error.retryable ? "retryable" : "not retryable"}</p>
${error.metadata && Object.keys(error.metadata).length > 0 ? jsonBlock(error.metadata) : ""}
</section>`;
}

function attemptsTable(selected: SelectedStep): Html {
  if (selected.attempts.length === 0) return html`<p class="muted small">Not run yet.</p>`;
  return html`<table class="table compact"><caption class="sr-only">Attempts</caption>
<thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Outcome</th><th scope="col">Worker</th></tr></thead>
<tbody>${selected.attempts.map(
    (a) =>
      html`<tr><td>${a.attempt}</td><td>${timeTag(a.started_at)}</td><td>${a.duration_ms === null ? "…" : formatDuration(a.duration_ms)}</td><td><span class="outcome outcome-${a.outcome}">${a.outcome.replace("_", " ")}</span></td><td class="wrap"><code class="small">${a.worker_id ?? "–"}</code></td></tr>`,
  )}</tbody></table>`;
}

function auditList(selected: SelectedStep): Html {
  return html`<details class="audit"><summary>Transitions (${selected.audit.length})</summary><ol class="timeline">${selected.audit.map(
    (t) =>
      html`<li><span class="tl-time">${timeTag(t.created_at)}</span> <span>${t.from_state ?? "∅"} → <strong>${t.to_state}</strong></span> <code class="small">${t.event}</code>${metadataText(t.metadata)}</li>`,
  )}</ol></details>`;
}

/** Transition metadata as short `key=value` text (reason, worker, attempt...). */
export function metadataText(metadata: Record<string, unknown>): Html {
  const entries = Object.entries(metadata).filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (entries.length === 0) return html``;
  const text = entries
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ")
    .slice(0, 300);
  return html` <span class="muted small">${text}</span>`;
}

/** The chosen step: state, attempts, timing, result, error, audit, and the fixes it allows. */
export function renderStepPanel(
  ctx: UiContext,
  task: TaskResponse,
  selected: SelectedStep | undefined,
): Html {
  if (!selected) {
    return html`<aside id="step-panel" class="card step-panel" aria-label="Step details"><h2>Step details</h2><p class="muted">Pick a step in the graph or the table to see its attempts, result and error.</p></aside>`;
  }
  const { step } = selected;
  const duration = stepDuration(step);
  const stepApi = `GET /v1/tasks/${task.task_uuid}/workflow_steps/${step.workflow_step_uuid}`;
  return html`<aside id="step-panel" class="card step-panel" aria-labelledby="step-heading" data-step="${step.name}" data-state="${step.current_state}">
<div class="card-head"><h2 id="step-heading">${step.name}</h2>${stateBadge(step.current_state)}</div>
<dl class="facts">
<dt>Attempts</dt><dd>${step.attempts} of ${step.max_attempts}${step.retry_eligible ? raw(' <span class="muted small">(will retry)</span>') : ""}</dd>
<dt>Took</dt><dd>${duration === undefined ? "–" : formatDuration(duration)}${step.current_state === "in_progress" ? " so far" : ""}</dd>
<dt>Dependencies</dt><dd>${step.completed_parents} of ${step.total_parents} done</dd>
<dt>Last attempt</dt><dd>${timeTag(step.last_attempted_at)}</dd>
${step.next_retry_at ? html`<dt>Next retry</dt><dd>${timeTag(step.next_retry_at)}</dd>` : ""}
${checkpointFact(step)}
<dt>Completed</dt><dd>${timeTag(step.completed_at)}</dd>
<dt>Step uuid</dt><dd><code class="small">${step.workflow_step_uuid}</code></dd>
</dl>
${errorBlock(step)}
${step.results !== null && step.results !== undefined ? html`<h3>Result</h3>${jsonBlock(step.results, stepApi)}` : ""}
<h3>Attempts</h3>
${attemptsTable(selected)}
${auditList(selected)}
${actionsForm(ctx, task, step)}
</aside>`;
}
