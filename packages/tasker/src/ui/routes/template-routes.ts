import { TemplateParams } from "../../api/schemas.js";
import { validInput } from "../inputs.js";
import { renderTemplateDetail, renderTemplateList } from "../views/templates-page.js";
import type { DashboardApp, DashboardDeps } from "./dashboard-env.js";
import { requirePage, sendErrorPage, sendPage } from "./respond.js";

/** Every registered template, and one template's DAG, steps, retry and timeout settings. */
export function registerTemplateRoutes(app: DashboardApp, deps: DashboardDeps): void {
  app.get("/templates", requirePage("templates:read"), async (c) => {
    const templates = await deps.tasker.templates.list();
    return sendPage(c, {
      title: "Templates",
      section: "templates",
      body: renderTemplateList(c.get("ui"), templates),
    });
  });

  app.get("/templates/:namespace/:name/:version", requirePage("templates:read"), async (c) => {
    // The API's own checks: a name no template can have is a 400 naming it.
    const { namespace, name, version } = validInput("path", c.req.param(), TemplateParams);
    const template = await deps.tasker.templates.get(namespace, name, version);
    if (!template) {
      const versions = await deps.tasker.templates.versions(namespace, name);
      return sendErrorPage(
        c,
        404,
        "Template not found",
        versions.length > 0
          ? `${namespace}/${name} has no version ${version}; registered versions: ${versions.join(", ")}.`
          : `No template ${namespace}/${name} is registered; the templates page lists the registered ones.`,
      );
    }
    return sendPage(c, {
      title: `${template.name} v${template.version}`,
      section: "templates",
      body: renderTemplateDetail(c.get("ui"), template),
    });
  });
}
