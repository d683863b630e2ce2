import { html } from "hono/html";
import type { UiContext } from "../ui-context.js";
import type { Html } from "./html.js";

export function renderLoginBody(
  ctx: UiContext,
  opts: { next: string; error?: string | undefined; authEnabled: boolean },
): Html {
  if (!opts.authEnabled) {
    return html`<section class="card narrow"><h1>No sign-in needed</h1><p>Auth is off on this server (embedded development mode), so the dashboard is open. <a href="${ctx.base}/tasks">Go to the tasks</a>.</p></section>`;
  }
  return html`<section class="card narrow" aria-labelledby="login-heading">
<h1 id="login-heading">Sign in</h1>
<p>Use an API key of this server. The dashboard can do what the key may do through the API (<code>tasks:read</code> to look, <code>tasks:write</code> to cancel, <code>steps:resolve</code> to fix steps).</p>
${opts.error ? html`<div class="notice notice-error" role="alert"><span>${opts.error}</span></div>` : ""}
<form method="post" action="${ctx.base}/login" class="stack">
<input type="hidden" name="next" value="${opts.next}">
<label>API key <input type="password" name="key" required autocomplete="current-password" autofocus></label>
<button type="submit" class="button primary">Sign in</button>
</form>
<p class="muted small">The key is kept in a cookie only this dashboard can read (HttpOnly, SameSite=Strict) until you sign out or close the browser.</p>
</section>`;
}

/** A full-page error: what went wrong and what to do next. */
export function renderErrorBody(
  ctx: UiContext,
  opts: { status: number; title: string; message: string; action?: Html },
): Html {
  return html`<section class="card narrow" aria-labelledby="error-heading"><p class="muted">Error ${opts.status}</p><h1 id="error-heading">${opts.title}</h1><p>${opts.message}</p>${opts.action ?? html`<p><a href="${ctx.base}/tasks">Back to the tasks</a></p>`}</section>`;
}
