import { html, raw } from "hono/html";
import type { UiContext } from "../ui-context.js";
import type { Html } from "./html.js";

export type NavSection = "tasks" | "templates" | "queues" | "none";

export interface Notice {
  kind: "ok" | "error";
  text: string;
}

// htmx settings: swap error responses too (they carry the message to show), keep no page
// snapshots in localStorage (task data stays off disk), and never evaluate code from attributes.
const HTMX_CONFIG = JSON.stringify({
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  allowEval: false,
  includeIndicatorStyles: false,
});

const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect x='1' y='1' width='6' height='4' rx='1' fill='%232f6fde'/%3E%3Crect x='9' y='11' width='6' height='4' rx='1' fill='%2322a06b'/%3E%3Cpath d='M4 5v3h8v3' stroke='%23888' fill='none'/%3E%3C/svg%3E";

const SECTIONS: { id: Exclude<NavSection, "none">; label: string; path: string }[] = [
  { id: "tasks", label: "Tasks", path: "/tasks" },
  { id: "templates", label: "Templates", path: "/templates" },
  { id: "queues", label: "Queues & workers", path: "/queues" },
];

export function renderNotices(notices: readonly Notice[]): Html {
  return html`${notices.map(
    (n) =>
      html`<div class="notice notice-${n.kind}" role="${n.kind === "error" ? "alert" : "status"}"><span>${n.text}</span><button type="button" class="notice-dismiss" data-dismiss aria-label="Dismiss this message">×</button></div>`,
  )}`;
}

/** The notices area, sent out of band with fragment responses so messages outlive the next refresh. */
export function noticesOutOfBand(notices: readonly Notice[]): Html {
  return html`<div id="notices" class="notices" aria-live="polite" hx-swap-oob="true">${renderNotices(notices)}</div>`;
}

/** The HTML document around every page: navigation, theme switch, notices, then the page. */
export function renderPage(
  ctx: UiContext,
  page: { title: string; section: NavSection; body: Html; notices?: readonly Notice[] },
): Html {
  const signedIn = ctx.authEnabled && ctx.principal;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${page.title} · Tasker</title>
<link rel="icon" href="${raw(FAVICON)}">
<link rel="stylesheet" href="${ctx.asset("dashboard.css")}">
<script src="${ctx.asset("theme.js")}"></script>
<script src="${ctx.asset("vendor/htmx.min.js")}" defer></script>
<script src="${ctx.asset("dashboard.js")}" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
<a class="brand" href="${ctx.base}/tasks"><span class="brand-mark" aria-hidden="true"></span>Tasker</a>
<nav class="nav" aria-label="Dashboard">${SECTIONS.map(
    (s) =>
      html`<a href="${ctx.base}${s.path}"${s.id === page.section ? raw(' aria-current="page"') : ""}>${s.label}</a>`,
  )}</nav>
<div class="topbar-end">${
    signedIn
      ? html`<span class="who" title="Signed in with this API key">${ctx.principal?.name}</span><form method="post" action="${ctx.base}/logout" class="inline"><button type="submit" class="button-link">Sign out</button></form>`
      : ""
  }<button type="button" class="theme-toggle" data-theme-toggle aria-label="Switch between light and dark theme" title="Switch theme (t)"><span aria-hidden="true">◐</span></button></div>
</header>
<div id="notices" class="notices" aria-live="polite">${renderNotices(page.notices ?? [])}</div>
<main id="main" tabindex="-1">${page.body}</main>
<footer class="footer"><span>Keys: <kbd>/</kbd> search · <kbd>t</kbd> theme · <kbd>g</kbd> <kbd>t</kbd>/<kbd>p</kbd>/<kbd>q</kbd> tasks, templates, queues</span><span><a href="/docs">API docs</a></span></footer>
</body>
</html>`;
}
