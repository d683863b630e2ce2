import type { Context, MiddlewareHandler } from "hono";
import { html } from "hono/html";
import type { Permission } from "../../api/auth.js";
import { errorReply } from "../../api/errors.js";
import { can, loginUrl } from "../session.js";
import type { Html } from "../views/html.js";
import { type NavSection, type Notice, renderPage } from "../views/layout.js";
import { renderErrorBody } from "../views/simple-pages.js";
import type { DashboardEnv } from "./dashboard-env.js";

export type DashboardContext = Context<DashboardEnv>;

/** Requests htmx makes (fragments) rather than page loads. */
export const isHtmx = (c: Context) => c.req.header("HX-Request") === "true";

export function sendPage(
  c: DashboardContext,
  page: { title: string; section: NavSection; body: Html; notices?: Notice[] },
  status = 200,
): Response | Promise<Response> {
  c.header("Cache-Control", "no-store");
  return c.html(renderPage(c.get("ui"), page), status as 200);
}

export function sendFragment(c: DashboardContext, body: Html, status = 200): Response | Promise<Response> {
  c.header("Cache-Control", "no-store");
  return c.html(body, status as 200);
}

/** The request's path and query inside the page the user is on (htmx sends it as a header). */
function currentLocation(c: Context): string {
  const page = c.req.header("HX-Current-URL");
  if (page) {
    try {
      const url = new URL(page);
      return url.pathname + url.search;
    } catch {
      // fall through to the request's own URL
    }
  }
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

/**
 * Pages: without a valid key, off to sign in (and back afterwards); with a key that lacks the
 * permission, a 403 page naming it. The same permissions as the API's routes.
 */
export function requirePage(permission: Permission): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const ui = c.get("ui");
    if (!ui.principal) {
      const login = loginUrl(ui.base, currentLocation(c));
      if (isHtmx(c)) {
        c.header("HX-Redirect", login);
        return c.body(null, 401);
      }
      return c.redirect(login, 303);
    }
    if (!can(ui.principal, permission)) {
      return sendPage(
        c,
        {
          title: "Not allowed",
          section: "none",
          body: renderErrorBody(ui, {
            status: 403,
            title: "Not allowed",
            message: `The API key "${ui.principal.name}" lacks the "${permission}" permission this page needs. Ask for a key that has it.`,
            action: html`<form method="post" action="${ui.base}/logout"><button class="button" type="submit">Sign in with another key</button></form>`,
          }),
        },
        403,
      );
    }
    return next();
  };
}

/** An error as a message for people: the engine's own message (it names the field and the fix). */
export function describeError(err: unknown): { status: number; message: string } {
  const reply = errorReply(err);
  return { status: reply.status, message: reply.body.error.message };
}

export function sendErrorPage(c: DashboardContext, status: number, title: string, message: string) {
  return sendPage(
    c,
    { title, section: "none", body: renderErrorBody(c.get("ui"), { status, title, message }) },
    status,
  );
}

/** Rejects form posts from other sites (the browser says where a post came from). */
export const sameOriginPosts: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
  const site = c.req.header("Sec-Fetch-Site");
  const origin = c.req.header("Origin");
  if (site === "same-origin" || (origin !== undefined && origin === new URL(c.req.url).origin)) return next();
  return sendErrorPage(
    c,
    403,
    "Form from another site",
    `The dashboard only accepts forms posted from its own pages (this one came from ${origin ?? "an unknown origin"}). Open the dashboard and try again.`,
  );
};
