// JSON for every error the app answers, never an HTML page: `{error: "..."}` plus details.
import type { Logger } from "@tasker-ts/tasker";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export function jsonError(
  c: Context,
  status: ContentfulStatusCode,
  error: string,
  extra: Record<string, unknown> = {},
): Response {
  return c.json({ error, ...extra }, status);
}

export const notFoundHandler: NotFoundHandler = (c) =>
  jsonError(
    c,
    404,
    `no route for ${c.req.method} ${c.req.path}; see GET /health and the README for the routes`,
  );

export function errorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof HTTPException) {
      // e.g. malformed JSON from the body parser: still the validation error shape.
      const status = err.status as ContentfulStatusCode;
      if (status === 400)
        return c.json({ error: err.message, issues: [{ path: "", message: err.message }] }, 400);
      return jsonError(c, status, err.message);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error in a request");
    return jsonError(c, 500, "internal error; the server log has the details");
  };
}
