import { readForm } from "../inputs.js";
import { endSession, safeNext, startSession } from "../session.js";
import { renderLoginBody } from "../views/simple-pages.js";
import type { DashboardApp, DashboardDeps } from "./dashboard-env.js";
import { sendPage } from "./respond.js";

/** Sign in with an API key (checked like the API checks it), and sign out. */
export function registerAuthRoutes(app: DashboardApp, deps: DashboardDeps): void {
  app.get("/login", (c) => {
    const ui = c.get("ui");
    return sendPage(c, {
      title: "Sign in",
      section: "none",
      body: renderLoginBody(ui, {
        next: safeNext(c.req.query("next"), ui.base),
        authEnabled: deps.auth.enabled,
      }),
    });
  });

  app.post("/login", async (c) => {
    const ui = c.get("ui");
    const form = await readForm(c);
    const next = safeNext(typeof form.next === "string" ? form.next : undefined, ui.base);
    if (!deps.auth.enabled) return c.redirect(next, 303);
    const key = typeof form.key === "string" ? form.key.trim() : "";
    const principal = key ? deps.auth.match(key) : undefined;
    if (!principal) {
      deps.logger.info({ component: "dashboard" }, "dashboard sign-in with an unknown API key");
      return sendPage(
        c,
        {
          title: "Sign in",
          section: "none",
          body: renderLoginBody(ui, {
            next,
            authEnabled: true,
            error: key
              ? "That API key is not configured on this server; check it for typos, or ask for a key."
              : "Enter an API key.",
          }),
        },
        401,
      );
    }
    startSession(c, key, ui.base);
    return c.redirect(next, 303);
  });

  app.post("/logout", (c) => {
    const ui = c.get("ui");
    endSession(c, ui.base);
    return c.redirect(ui.authEnabled ? `${ui.base}/login` : `${ui.base}/tasks`, 303);
  });
}
