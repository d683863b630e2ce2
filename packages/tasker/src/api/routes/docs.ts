import { API_KEY_HEADER } from "../auth.js";
import { type OpenApiDocumentLike, renderApiReference } from "../docs-page.js";
import { API_KEY_SCHEME } from "../route-docs.js";
import type { ApiApp } from "./route-deps.js";

export const API_TITLE = "tasker orchestration API";
export const API_VERSION = "1.0.0";

const DESCRIPTION =
  "Create and follow workflow tasks, inspect their steps, and retry or resolve steps by hand. " +
  "Errors are always {error: {code, message, details}}. When auth is enabled, send an API key in the " +
  `${API_KEY_HEADER} header.`;

/**
 * GET /openapi.json (OpenAPI 3.0, generated from the same Zod schemas that validate requests)
 * and GET /docs (a readable reference rendered from it). Both are open and built once, after
 * every route is registered, so call this last.
 */
export function registerDocsRoutes(app: ApiApp): void {
  app.openAPIRegistry.registerComponent("securitySchemes", API_KEY_SCHEME, {
    type: "apiKey",
    in: "header",
    name: API_KEY_HEADER,
  });
  let document: ReturnType<ApiApp["getOpenAPIDocument"]> | undefined;
  let page: string | undefined;
  const getDocument = () => {
    document ??= app.getOpenAPIDocument({
      openapi: "3.0.3",
      info: { title: API_TITLE, version: API_VERSION, description: DESCRIPTION },
    });
    return document;
  };
  app.get("/openapi.json", (c) => c.json(getDocument()));
  app.get("/docs", (c) => {
    page ??= renderApiReference(getDocument() as unknown as OpenApiDocumentLike);
    return c.html(page);
  });
}
