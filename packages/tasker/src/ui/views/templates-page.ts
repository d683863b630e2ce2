import { html } from "hono/html";
import type { TaskTemplate } from "../../template/schema.js";
import { isPossibleEdge, STEP_TYPE_WORDS } from "../data/task-graph-view.js";
import { renderDagSvg } from "../graph/dag-svg.js";
import type { UiContext } from "../ui-context.js";
import { formatDuration, jsonBlock } from "./format.js";
import type { Html } from "./html.js";

const templatePath = (ctx: UiContext, t: TaskTemplate) =>
  `${ctx.base}/templates/${t.namespace_name}/${t.name}/${t.version}`;

export function renderTemplateList(ctx: UiContext, templates: readonly TaskTemplate[]): Html {
  const sorted = [...templates].sort((a, b) =>
    `${a.namespace_name}/${a.name}/${a.version}`.localeCompare(`${b.namespace_name}/${b.name}/${b.version}`),
  );
  return html`<div class="page-head"><h1>Templates</h1></div>
<section class="card" aria-label="Registered templates">${
    sorted.length === 0
      ? html`<p class="empty">No templates are registered. Point the engine at a folder of YAML templates (TASKER_TEMPLATE_PATH or <code>templatePaths</code>).</p>`
      : html`<div class="table-scroll"><table class="table">
<thead><tr><th scope="col">Namespace</th><th scope="col">Template</th><th scope="col">Version</th><th scope="col">Steps</th><th scope="col">Description</th></tr></thead>
<tbody>${sorted.map(
          (t) =>
            html`<tr><td>${t.namespace_name}</td><td><a class="strong" href="${templatePath(ctx, t)}">${t.name}</a></td><td>${t.version}</td><td>${t.steps.length}</td><td>${t.description ?? ""}</td></tr>`,
        )}</tbody></table></div>`
  }</section>`;
}

/** "exponential, 1 s doubling up to 30 s", "linear, 500 ms steps up to 5 s". */
export function describeBackoff(retry: TaskTemplate["steps"][number]["retry"]): string {
  const base = formatDuration(retry.backoff_base_ms);
  const max = formatDuration(retry.max_backoff_ms);
  return retry.backoff === "exponential"
    ? `exponential: ${base}, doubling, at most ${max}`
    : `linear: ${base} more each time, at most ${max}`;
}

export function renderTemplateDetail(ctx: UiContext, t: TaskTemplate): Html {
  const typeOf = new Map(t.steps.map((s) => [s.name, s.type]));
  const nodes = t.steps.map((s) => {
    const word = STEP_TYPE_WORDS[s.type];
    const instances = s.type === "batch_worker";
    return {
      id: s.name,
      label: instances ? `${s.name} ×N` : s.name,
      detail: word ? `${word} · ${s.handler.callable}` : s.handler.callable,
      state: "template",
      title: `${s.name}: ${s.type === "standard" ? "" : `${s.type.replaceAll("_", " ")} step, `}handler ${s.handler.callable}`,
      href: `#step-${s.name}`,
      ...(s.type === "standard" ? {} : { variant: `type-${s.type}` }),
      ...(instances ? { stacked: true } : {}),
    };
  });
  const edges = t.steps.flatMap((s) =>
    s.dependencies.map((d) => ({
      from: d,
      to: s.name,
      possible: isPossibleEdge(typeOf.get(d) ?? "standard", s.type),
    })),
  );
  return html`<div class="page-head"><div>
<p class="crumbs"><a href="${ctx.base}/templates">Templates</a> / ${t.namespace_name}</p>
<h1>${t.name} <span class="muted">v${t.version}</span></h1>
${t.description ? html`<p>${t.description}</p>` : ""}
</div><div><a class="button" href="${ctx.base}/tasks?template=${t.namespace_name}/${t.name}">Tasks of this template</a></div></div>
<section class="card dag-card" aria-labelledby="tdag-heading"><h2 id="tdag-heading">Workflow</h2>
<div class="dag-scroll">${renderDagSvg(nodes, edges, { label: `Steps of template ${t.name} and their dependencies` })}</div></section>
<section class="card" aria-labelledby="tsteps-heading"><h2 id="tsteps-heading">Steps</h2><div class="table-scroll"><table class="table">
<thead><tr><th scope="col">Step</th><th scope="col">Handler</th><th scope="col">Depends on</th><th scope="col">Retry</th><th scope="col">Backoff</th><th scope="col">Timeout</th></tr></thead>
<tbody>${t.steps.map(
    (s) =>
      html`<tr id="step-${s.name}" tabindex="-1"><td><span class="strong">${s.name}</span>${s.description ? html`<div class="muted small">${s.description}</div>` : ""}</td>
<td><code>${s.handler.callable}</code>${s.handler.initialization && Object.keys(s.handler.initialization).length > 0 ? html`<details><summary class="small">initialization</summary>${jsonBlock(s.handler.initialization)}</details>` : ""}</td>
<td>${s.dependencies.length > 0 ? s.dependencies.join(", ") : html`<span class="muted">–</span>`}</td>
<td>${s.retry.retryable ? `up to ${s.retry.max_attempts} attempts` : "not retryable"}</td>
<td class="small">${s.retry.retryable && s.retry.max_attempts > 1 ? describeBackoff(s.retry) : html`<span class="muted">–</span>`}</td>
<td>${formatDuration(s.timeout_seconds * 1000)}</td></tr>`,
  )}</tbody></table></div></section>
${t.input_schema ? html`<section class="card" aria-labelledby="tinput-heading"><h2 id="tinput-heading">Input schema</h2>${jsonBlock(t.input_schema)}</section>` : ""}
${t.metadata ? html`<section class="card" aria-labelledby="tmeta-heading"><h2 id="tmeta-heading">Metadata</h2>${jsonBlock(t.metadata)}</section>` : ""}`;
}
