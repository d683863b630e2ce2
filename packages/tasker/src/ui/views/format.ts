import { html } from "hono/html";
import type { Html } from "./html.js";

/** "850 ms", "2.3 s", "4 m 12 s", "3 h 5 m", "2 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.round(s);
  const [d, h, m, sec] = [
    Math.floor(total / 86_400),
    Math.floor((total % 86_400) / 3600),
    Math.floor((total % 3600) / 60),
    total % 60,
  ];
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
  if (d > 0) return pair(d, "d", h, "h");
  if (h > 0) return pair(h, "h", m, "m");
  return pair(m, "m", sec, "s");
}

/** "just now", "12 s ago", "5 m 3 s ago". */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 1) return "just now";
  return `${formatDuration(seconds * 1000)} ago`;
}

/** "2026-03-01 14:05:09 UTC" (the page script shows it in the browser's time zone). */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function timeTag(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">–</span>`;
  return html`<time datetime="${iso}" title="${iso}">${formatTimestamp(iso)}</time>`;
}

export const shortUuid = (uuid: string) => uuid.slice(-12);

/** A state (task or step) as a coloured badge; the exact state string is what the API uses. */
export function stateBadge(state: string): Html {
  return html`<span class="badge state-${state}" data-state="${state}">${state}</span>`;
}

const MAX_JSON_CHARS = 20_000;

/** JSON, pretty-printed and cut at a size a page can hold, with where to get the rest. */
export function jsonBlock(value: unknown, fullAt?: string): Html {
  const text = JSON.stringify(value ?? null, null, 2) ?? "null";
  if (text.length <= MAX_JSON_CHARS) return html`<pre class="json">${text}</pre>`;
  return html`<pre class="json">${text.slice(0, MAX_JSON_CHARS)}</pre><p class="muted">Cut at ${MAX_JSON_CHARS.toLocaleString("en")} of ${text.length.toLocaleString("en")} characters${fullAt ? html`; the whole value is at <code>${fullAt}</code>` : ""}.</p>`;
}
