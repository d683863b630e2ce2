import { html } from "hono/html";
import type { StepResponse, TaskResponse } from "../../model/task-response.js";
import { STEP_TERMINAL_STATES } from "../../state/step-states.js";
import { TASK_TERMINAL_STATES } from "../../state/task-states.js";
import { countStates, worstState } from "../../template/task-shape.js";
import { canCancelTask } from "../data/allowed-actions.js";
import type { TaskDetail } from "../data/task-detail.js";
import { STEP_TYPE_WORDS, type TaskGraph, taskGraph } from "../data/task-graph-view.js";
import { type DagNodeView, renderDagSvg } from "../graph/dag-svg.js";
import { can } from "../session.js";
import type { UiContext } from "../ui-context.js";
import { formatDuration, jsonBlock, stateBadge, timeTag } from "./format.js";
import type { Html } from "./html.js";
import { metadataText, renderStepPanel, stepDuration } from "./step-panel.js";

/** The colours of the DAG, as a legend (only states and marks that appear in this graph). */
function legend(graph: TaskGraph): Html {
  const states = [
    ...new Set(
      graph.nodes.flatMap((n) =>
        n.kind === "step"
          ? [n.step.current_state]
          : n.kind === "batch"
            ? n.instances.map((i) => i.current_state)
            : [],
      ),
    ),
  ];
  const absent = new Set(graph.nodes.flatMap((n) => (n.kind === "absent" ? [n.presence] : [])));
  return html`<ul class="legend" aria-label="Step states in this graph">${states.map(
    (s) => html`<li><span class="swatch state-${s}" aria-hidden="true"></span>${s}</li>`,
  )}${[...absent].map(
    (p) =>
      html`<li><span class="swatch absent presence-${p}" aria-hidden="true"></span>${ABSENT_TEXT[p]}</li>`,
  )}${graph.edges.some((e) => e.possible) ? html`<li><span class="swatch-edge" aria-hidden="true"></span>possible branch</li>` : ""}${graph.groups.size > 0 ? html`<li><span class="swatch stacked" aria-hidden="true"></span>batch instances</li>` : ""}</ul>`;
}

const ABSENT_TEXT = { not_taken: "not taken", not_yet_created: "not created yet" } as const;

const stepHref = (ctx: UiContext, task: TaskResponse, step: StepResponse) =>
  `${ctx.base}/tasks/${task.task_uuid}?step=${step.workflow_step_uuid}`;

/** The node's second line: where the step is, with attempts or how long it took. */
export function nodeDetail(step: StepResponse, now = new Date()): string {
  const duration = stepDuration(step, now);
  if (step.current_state === "complete" && duration !== undefined) {
    return `complete · ${formatDuration(duration)}`;
  }
  if (STEP_TERMINAL_STATES.has(step.current_state) || step.attempts === 0) return step.current_state;
  return `${step.current_state} · ${step.attempts}/${step.max_attempts}`;
}

function dagNodes(ctx: UiContext, detail: TaskDetail, graph: TaskGraph): DagNodeView[] {
  const selected = detail.selected?.step.workflow_step_uuid;
  return graph.nodes.map((n): DagNodeView => {
    const word = STEP_TYPE_WORDS[n.type];
    const typed = (text: string) => (word ? `${word} · ${text}` : text);
    // Standard steps get no class, so a plain template's DAG is drawn as it always was.
    const variant = n.type === "standard" ? undefined : `type-${n.type}`;
    if (n.kind === "absent") {
      const text = ABSENT_TEXT[n.presence];
      return {
        id: n.id,
        label: n.id,
        detail: typed(text),
        state: "absent",
        title: `${n.id}: ${text} (a ${n.type.replaceAll("_", " ")} step of the template this task did not create${n.presence === "not_taken" ? "" : " so far"})`,
        variant: `${variant ?? ""} absent presence-${n.presence}`.trim(),
      };
    }
    if (n.kind === "batch") {
      const counts = countStates(n.instances.map((i) => i.current_state));
      const worst = n.instances.find((i) => i.current_state === counts[0]![0])!;
      return {
        id: n.id,
        label: `${n.id} ×${n.instances.length}`,
        detail: counts
          .slice(0, 2)
          .map(([state, count]) => `${count} ${state}`)
          .join(", "),
        state: worstState(n.instances.map((i) => i.current_state)) ?? "pending",
        title: `${n.instances.length} instances of ${n.id}: ${counts.map(([state, count]) => `${count} ${state}`).join(", ")}`,
        href: stepHref(ctx, detail.task, worst),
        selected: n.instances.some((i) => i.workflow_step_uuid === selected),
        variant,
        stacked: true,
      };
    }
    const s = n.step;
    return {
      id: s.name,
      label: s.name,
      detail: typed(nodeDetail(s)),
      state: s.current_state,
      title: `${s.name}: ${s.current_state}, attempt ${s.attempts} of ${s.max_attempts}`,
      href: stepHref(ctx, detail.task, s),
      selected: s.workflow_step_uuid === selected,
      variant,
    };
  });
}

function cancelForm(ctx: UiContext, task: TaskResponse): Html {
  if (!canCancelTask(task.status)) return html``;
  if (!can(ctx.principal, "tasks:write")) {
    return html`<p class="muted small">Cancelling needs the <code>tasks:write</code> permission.</p>`;
  }
  const url = `${ctx.base}/tasks/${task.task_uuid}/cancel`;
  return html`<form class="cancel-form" method="post" action="${url}">
<label class="sr-only" for="cancel-reason">Reason for cancelling</label>
<input id="cancel-reason" name="reason" maxlength="1000" placeholder="reason (optional)">
<button type="submit" class="button danger" data-action="cancel" hx-post="${url}" hx-target="#live" hx-swap="outerHTML" hx-confirm="Cancel task ${task.name}? Steps that have not started will not run; running ones finish.">Cancel task</button>
</form>`;
}

function summary(task: TaskResponse): Html {
  const failed = task.failed_steps;
  return html`<section class="summary" aria-label="Progress">
<div class="progress big" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${Math.round(task.completion_percentage)}" aria-label="${Math.round(task.completion_percentage)}% complete"><span style="width:${task.completion_percentage}%"></span></div>
<ul class="stats">
<li><strong>${Math.round(task.completion_percentage)}%</strong> complete</li>
<li><strong>${task.completed_steps}</strong> of ${task.total_steps} steps done</li>
<li><strong>${task.in_progress_steps}</strong> in progress</li>
<li><strong>${task.pending_steps}</strong> pending</li>
<li class="${failed > 0 ? "text-error" : ""}"><strong>${failed}</strong> failed</li>
<li>health <strong>${task.health_status}</strong></li>
<li>next <strong>${task.recommended_action.replaceAll("_", " ")}</strong></li>
</ul>
</section>`;
}

/** Instances of a grouped batch worker listed in the steps table; the rest are counted. */
const LISTED_INSTANCES = 20;

/**
 * The rows of the steps table: every step, except that of a batch worker drawn as one node only
 * the unfinished (then the failed) instances are listed, up to LISTED_INSTANCES, and the others
 * counted in a row of their own.
 */
export function tableRows(
  steps: readonly StepResponse[],
  groups: ReadonlyMap<string, readonly StepResponse[]>,
): (StepResponse | { worker: string; hidden: number; total: number })[] {
  const grouped = new Map<string, string>();
  for (const [worker, instances] of groups)
    for (const i of instances) grouped.set(i.workflow_step_uuid, worker);
  const rows: (StepResponse | { worker: string; hidden: number; total: number })[] = [];
  for (const step of steps) {
    if (!grouped.has(step.workflow_step_uuid)) rows.push(step);
  }
  for (const [worker, instances] of groups) {
    const rank = (s: StepResponse) =>
      STEP_TERMINAL_STATES.has(s.current_state) ? (s.current_state === "complete" ? 2 : 1) : 0;
    const listed = [...instances].sort((a, b) => rank(a) - rank(b)).slice(0, LISTED_INSTANCES);
    rows.push(...listed, { worker, hidden: instances.length - listed.length, total: instances.length });
  }
  return rows;
}

function stepsTable(ctx: UiContext, detail: TaskDetail, graph: TaskGraph): Html {
  const selected = detail.selected?.step.workflow_step_uuid;
  const liveUrl = (s: StepResponse) =>
    `${ctx.base}/tasks/${detail.task.task_uuid}/live?step=${s.workflow_step_uuid}`;
  return html`<section class="card" aria-labelledby="steps-heading"><h2 id="steps-heading">Steps</h2><div class="table-scroll"><table class="table">
<thead><tr><th scope="col">Step</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Took</th><th scope="col">Last attempt</th></tr></thead>
<tbody>${tableRows(detail.task.steps, graph.groups).map((s) => {
    if ("worker" in s) {
      return html`<tr class="muted"><td colspan="5">${s.worker}: ${s.total} instances${s.hidden > 0 ? ` (${s.hidden} more finished ones not listed)` : ""}</td></tr>`;
    }
    const d = stepDuration(s);
    return html`<tr${s.workflow_step_uuid === selected ? html` class="selected"` : ""}><td><a href="${stepHref(ctx, detail.task, s)}" hx-get="${liveUrl(s)}" hx-target="#live" hx-swap="outerHTML" hx-push-url="${stepHref(ctx, detail.task, s)}">${s.name}</a></td><td>${stateBadge(s.current_state)}</td><td>${s.attempts}/${s.max_attempts}</td><td>${d === undefined ? "–" : formatDuration(d)}</td><td>${timeTag(s.last_attempted_at)}</td></tr>`;
  })}</tbody></table></div></section>`;
}

function timeline(detail: TaskDetail): Html {
  const start = Date.parse(detail.task.created_at);
  return html`<section class="card" aria-labelledby="timeline-heading"><h2 id="timeline-heading">Timeline</h2><ol class="timeline">${detail.transitions.map(
    (t) =>
      html`<li><span class="tl-offset">+${formatDuration(Date.parse(t.created_at) - start)}</span> <span>${t.from_state ?? "∅"} → ${stateBadge(t.to_state)}</span> <code class="small">${t.event}</code>${metadataText(t.metadata)}</li>`,
  )}</ol></section>`;
}

/**
 * The part of the task page that changes: header, progress, DAG, chosen step, steps, timeline.
 * While the task runs it asks for itself every refresh interval, quoting the fingerprint it
 * shows; the server answers 204 (keep what you have) until something changed. A finished task
 * stops asking.
 */
export function renderTaskLive(ctx: UiContext, detail: TaskDetail): Html {
  const { task } = detail;
  const graph = taskGraph(task.steps, detail.edges, detail.templateSteps);
  const terminal = TASK_TERMINAL_STATES.has(task.status);
  const step = detail.selected?.step.workflow_step_uuid;
  const poll = `${ctx.base}/tasks/${task.task_uuid}/live?${step ? `step=${step}&` : ""}v=${detail.fingerprint}`;
  const polling = terminal
    ? html``
    : html` hx-get="${poll}" hx-trigger="every ${ctx.refreshMs}ms" hx-swap="outerHTML"`;
  return html`<div id="live" class="task-live" data-task-status="${task.status}" data-fingerprint="${detail.fingerprint}"${polling}>
<div class="page-head task-head">
<div>
<p class="crumbs"><a href="${ctx.base}/tasks">Tasks</a> / <a href="${ctx.base}/tasks?namespace=${task.namespace}">${task.namespace}</a> / <a href="${ctx.base}/templates/${task.namespace}/${task.name}/${task.version}">${task.name} v${task.version}</a></p>
<h1>${task.name} ${stateBadge(task.status)}</h1>
<p class="meta muted small">task <code>${task.task_uuid}</code> · correlation <code>${task.correlation_id}</code> · created ${timeTag(task.created_at)}${task.completed_at ? html` · finished ${timeTag(task.completed_at)} (took ${formatDuration(Date.parse(task.completed_at) - Date.parse(task.created_at))})` : ""}${terminal ? "" : html` · <span class="live-dot" aria-hidden="true"></span>live`}</p>
</div>
<div class="task-actions">${cancelForm(ctx, task)}</div>
</div>
${task.error ? html`<div class="callout callout-error" role="note"><strong>Task error:</strong> ${task.error}</div>` : ""}
${summary(task)}
<div class="task-grid">
<section class="card dag-card" aria-labelledby="dag-heading"><div class="card-head"><h2 id="dag-heading">Workflow</h2>${legend(graph)}</div>
<div class="dag-scroll">${renderDagSvg(dagNodes(ctx, detail, graph), graph.edges, { label: `Steps of ${task.name} and their dependencies` })}</div></section>
${renderStepPanel(ctx, task, detail.selected)}
</div>
${stepsTable(ctx, detail, graph)}
${timeline(detail)}
</div>`;
}

/**
 * Tags, comma-separated; a tag that is an http(s) URL is a link (an app tags its tasks with the
 * page of the row that created them, e.g. the example app's `http://localhost:3000/orders/5`).
 */
export function tagList(tags: readonly string[]): Html {
  const parts = tags.map((tag) =>
    isWebUrl(tag) ? html`<a href="${tag}" rel="noopener noreferrer">${tag}</a>` : html`${tag}`,
  );
  return html`${parts.map((part, i) => (i === 0 ? part : html`, ${part}`))}`;
}

/** An absolute http or https URL (nothing else becomes a link: no javascript: or data:). */
export function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "";
  } catch {
    return false;
  }
}

/** The whole task page: the live part, then the task's input context (which never changes). */
export function renderTaskBody(ctx: UiContext, detail: TaskDetail): Html {
  const { task } = detail;
  return html`${renderTaskLive(ctx, detail)}
<section class="card" aria-labelledby="context-heading"><h2 id="context-heading">Context</h2>
<dl class="facts inline-facts"><dt>Initiator</dt><dd>${task.initiator ?? "–"}</dd><dt>Source system</dt><dd>${task.source_system ?? "–"}</dd><dt>Reason</dt><dd>${task.reason ?? "–"}</dd><dt>Tags</dt><dd>${task.tags.length > 0 ? tagList(task.tags) : "–"}</dd><dt>Priority</dt><dd>${task.priority}</dd></dl>
${jsonBlock(task.context, `GET /v1/tasks/${task.task_uuid}`)}</section>`;
}
