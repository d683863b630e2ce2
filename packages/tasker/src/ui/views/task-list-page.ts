import { html, raw } from "hono/html";
import { TASK_STATES, TASK_TERMINAL_STATES } from "../../state/task-states.js";
import type { TaskListPage, TaskListRow } from "../data/task-list.js";
import { PAGE_SIZES, TASK_PERIODS, type TaskSearch, taskSearchQuery } from "../data/task-search.js";
import type { UiContext } from "../ui-context.js";
import { formatDuration, shortUuid, stateBadge, timeTag } from "./format.js";
import type { Html } from "./html.js";

const PERIOD_LABELS: Record<keyof typeof TASK_PERIODS, string> = {
  "15m": "last 15 minutes",
  "1h": "last hour",
  "6h": "last 6 hours",
  "24h": "last 24 hours",
  "7d": "last 7 days",
  "30d": "last 30 days",
};

const selected = (on: boolean) => (on ? raw(" selected") : "");

function options(values: readonly string[], current: string | undefined, anyLabel: string): Html {
  return html`<option value="">${anyLabel}</option>${values.map(
    (v) => html`<option value="${v}"${selected(v === current)}>${v}</option>`,
  )}`;
}

function filterForm(
  ctx: UiContext,
  search: TaskSearch,
  choices: { namespaces: string[]; templates: string[] },
) {
  const periods = Object.keys(TASK_PERIODS) as (keyof typeof TASK_PERIODS)[];
  return html`<form class="filters" method="get" action="${ctx.base}/tasks" role="search" aria-label="Filter tasks">
<label class="grow">Search <input type="search" name="q" value="${search.q ?? ""}" placeholder="task uuid or correlation id" data-search-box autocomplete="off"></label>
<label>Namespace <select name="namespace">${options(choices.namespaces, search.namespace, "any")}</select></label>
<label>Template <select name="template">${options(choices.templates, search.template, "any")}</select></label>
<label>Status <select name="status">${options(TASK_STATES, search.status, "any")}</select></label>
<label>Created <select name="period"><option value="">any time</option>${periods.map(
    (p) => html`<option value="${p}"${selected(p === search.period)}>${PERIOD_LABELS[p]}</option>`,
  )}</select></label>
<label>Per page <select name="limit">${PAGE_SIZES.map(
    (n) => html`<option value="${n}"${selected(n === search.limit)}>${n}</option>`,
  )}</select></label>
<div class="filter-actions"><button type="submit" class="button primary">Apply</button><a class="button" href="${ctx.base}/tasks">Reset</a></div>
</form>`;
}

function statusCounts(ctx: UiContext, search: TaskSearch, counts: TaskListPage["counts"]): Html {
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  const chip = (label: Html | string, status: TaskSearch["status"], n: number, cls: string) => {
    const current = search.status === status;
    return html`<a class="chip ${cls}${current ? " current" : ""}" href="${ctx.base}/tasks${taskSearchQuery(search, { status, offset: 0 })}"${current ? raw(' aria-current="true"') : ""}><span>${label}</span> <strong>${n}</strong></a>`;
  };
  return html`<nav class="chips" aria-label="Tasks per status">${chip("all", undefined, all, "")}${TASK_STATES.filter(
    (s) => counts[s] > 0 || search.status === s,
  ).map((s) => chip(s, s, counts[s], `state-${s}`))}</nav>`;
}

function progressCell(row: TaskListRow): Html {
  const pct = row.total_steps === 0 ? 0 : Math.round((row.done_steps / row.total_steps) * 100);
  return html`<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="${row.total_steps}" aria-valuenow="${row.done_steps}" aria-label="${row.done_steps} of ${row.total_steps} steps done"><span style="width:${pct}%"></span></div><span class="muted small">${row.done_steps}/${row.total_steps}${row.failed_steps > 0 ? html` · <span class="text-error">${row.failed_steps} failed</span>` : ""}${row.running_steps > 0 ? html` · ${row.running_steps} running` : ""}</span>`;
}

function durationCell(row: TaskListRow, now: Date): string {
  const end = row.completed_at ? Date.parse(row.completed_at) : now.getTime();
  const text = formatDuration(end - Date.parse(row.created_at));
  return TASK_TERMINAL_STATES.has(row.status) ? text : `${text} so far`;
}

/** The results table with paging; refreshed in place while the page is open. */
export function renderTaskResults(
  ctx: UiContext,
  search: TaskSearch,
  page: TaskListPage,
  now = new Date(),
): Html {
  const query = taskSearchQuery(search);
  const first = page.total === 0 ? 0 : search.offset + 1;
  const last = search.offset + page.rows.length;
  const prev = Math.max(0, search.offset - search.limit);
  const hasPrev = search.offset > 0;
  const hasNext = last < page.total;
  const rows = page.rows.map(
    (r) => html`<tr data-task="${r.task_uuid}">
<td>${stateBadge(r.status)}</td>
<td><a href="${ctx.base}/tasks/${r.task_uuid}" class="strong">${r.name}</a><div class="muted small">${r.namespace} · v${r.version}</div></td>
<td><code title="${r.task_uuid}">…${shortUuid(r.task_uuid)}</code></td>
<td class="wrap"><code>${r.correlation_id}</code></td>
<td class="progress-cell">${progressCell(r)}</td>
<td>${timeTag(r.created_at)}</td>
<td class="nowrap">${durationCell(r, now)}</td>
</tr>`,
  );
  return html`<section id="results" class="card" hx-get="${ctx.base}/tasks${query}${query ? "&" : "?"}partial=results" hx-trigger="every ${Math.max(2000, ctx.refreshMs * 3)}ms" hx-swap="outerHTML" aria-labelledby="results-heading">
<div class="card-head"><h2 id="results-heading">Tasks</h2>${statusCounts(ctx, search, page.counts)}</div>
${
  page.rows.length === 0
    ? html`<p class="empty">No task matches these filters.${search.offset > 0 ? html` <a href="${ctx.base}/tasks${taskSearchQuery(search, { offset: 0 })}">Back to the first page</a>.` : ""}</p>`
    : html`<div class="table-scroll"><table class="table">
<thead><tr><th scope="col">Status</th><th scope="col">Task</th><th scope="col">Uuid</th><th scope="col">Correlation id</th><th scope="col">Steps</th><th scope="col">Created</th><th scope="col">Duration</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
<nav class="pager" aria-label="Pages"><span class="muted">${first}–${last} of ${page.total}</span>
${hasPrev ? html`<a class="button" rel="prev" href="${ctx.base}/tasks${taskSearchQuery(search, { offset: prev })}">← Newer</a>` : html`<span class="button disabled" aria-disabled="true">← Newer</span>`}
${hasNext ? html`<a class="button" rel="next" href="${ctx.base}/tasks${taskSearchQuery(search, { offset: search.offset + search.limit })}">Older →</a>` : html`<span class="button disabled" aria-disabled="true">Older →</span>`}
</nav>
</section>`;
}

export function renderTaskListBody(
  ctx: UiContext,
  search: TaskSearch,
  page: TaskListPage,
  choices: { namespaces: string[]; templates: string[] },
): Html {
  return html`<div class="page-head"><h1>Tasks</h1></div>
${filterForm(ctx, search, choices)}
${renderTaskResults(ctx, search, page)}`;
}
