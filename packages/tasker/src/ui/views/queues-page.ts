import { html } from "hono/html";
import type { QueueOverview, QueueStats, WorkerList } from "../data/queue-overview.js";
import type { UiContext } from "../ui-context.js";
import { formatAge, formatDuration, timeTag } from "./format.js";
import type { Html } from "./html.js";

const age = (q: QueueStats) => (q.depth === 0 ? "–" : formatDuration(q.oldest_age_seconds * 1000));

/** Queues, what is in them, and the workers serving them; refreshed in place. */
export function renderQueuesLive(ctx: UiContext, overview: QueueOverview, workers: WorkerList): Html {
  const o = overview.orchestration;
  return html`<div id="queues-live" hx-get="${ctx.base}/queues?partial=live" hx-trigger="every ${Math.max(2000, ctx.refreshMs * 2)}ms" hx-swap="outerHTML">
<section class="card" aria-labelledby="ns-heading"><h2 id="ns-heading">Namespaces</h2>${
    overview.transport === "rabbitmq"
      ? html`<p class="callout" role="note">Signals travel through RabbitMQ: the counts here are messages waiting in the database outbox to be relayed. RabbitMQ's own tools show the broker's queues.</p>`
      : ""
  }<div class="table-scroll"><table class="table">
<thead><tr><th scope="col">Namespace</th><th scope="col">Queue</th><th scope="col" class="num">Depth</th><th scope="col" class="num">Ready</th><th scope="col" class="num">In flight</th><th scope="col" class="num">Delayed</th><th scope="col">Oldest message</th><th scope="col" class="num">Steps running</th><th scope="col" class="num">Live workers</th></tr></thead>
<tbody>${overview.namespaces.map(
    (n) =>
      html`<tr data-namespace="${n.namespace}"><td><a href="${ctx.base}/tasks?namespace=${n.namespace}" class="strong">${n.namespace}</a></td><td><code class="small">${n.queue}</code></td><td class="num">${n.depth}</td><td class="num">${n.ready}</td><td class="num">${n.in_flight}</td><td class="num">${n.delayed}</td><td>${age(n)}</td><td class="num">${n.running_steps}</td><td class="num ${n.live_workers === 0 ? "text-warn" : ""}">${n.live_workers === 0 ? html`<span title="No live worker serves this namespace: its steps wait">0 ⚠</span>` : n.live_workers}</td></tr>`,
  )}
<tr class="subtle"><td>orchestration</td><td><code class="small">${o.queue}</code></td><td class="num">${o.depth}</td><td class="num">${o.ready}</td><td class="num">${o.in_flight}</td><td class="num">${o.delayed}</td><td>${age(o)}</td><td></td><td></td></tr>
</tbody></table></div>
<p class="muted small"><strong>Ready</strong>: waiting for a reader. <strong>In flight</strong>: taken by a worker or orchestrator, hidden until done or its visibility timeout ends. <strong>Delayed</strong>: retries waiting out their backoff.</p></section>
<section class="card" aria-labelledby="workers-heading"><h2 id="workers-heading">Workers</h2>${
    workers.workers.length === 0
      ? html`<p class="empty">No worker has registered on this database in the last hour.</p>`
      : html`<div class="table-scroll"><table class="table">
<thead><tr><th scope="col">Worker</th><th scope="col">State</th><th scope="col">Namespaces</th><th scope="col">Host</th><th scope="col" class="num">PID</th><th scope="col">Started</th><th scope="col">Last heartbeat</th></tr></thead>
<tbody>${workers.workers.map(
          (w) =>
            html`<tr data-worker="${w.worker_id}"><td class="wrap"><code class="small">${w.worker_id}</code></td><td><span class="badge worker-${w.state}">${w.state}</span></td><td>${w.namespaces.join(", ")}</td><td>${w.hostname}</td><td class="num">${w.pid}</td><td>${timeTag(w.started_at)}</td><td title="${w.last_heartbeat_at}">${formatAge(w.heartbeat_age_seconds)}</td></tr>`,
        )}</tbody></table></div>
<p class="muted small">A running worker silent for over ${formatDuration(workers.stale_after_seconds * 1000)} is shown as <strong>stale</strong>: it has probably died, and its steps return to the queue when their leases end.</p>`
  }</section>
</div>`;
}

export function renderQueuesBody(ctx: UiContext, overview: QueueOverview, workers: WorkerList): Html {
  return html`<div class="page-head"><h1>Queues &amp; workers</h1><p class="muted small">JSON: <a href="${ctx.base}/api/queues">${ctx.base}/api/queues</a> · <a href="${ctx.base}/api/workers">${ctx.base}/api/workers</a></p></div>
${renderQueuesLive(ctx, overview, workers)}`;
}
