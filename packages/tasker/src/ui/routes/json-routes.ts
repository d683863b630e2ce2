import type { Context, MiddlewareHandler } from "hono";
import { API_KEY_HEADER, type Permission } from "../../api/auth.js";
import { errorReply, reply, sendError } from "../../api/errors.js";
import { transportKind } from "../dashboard-tasker.js";
import { buildQueueOverview, loadQueueSnapshot } from "../data/queue-overview.js";
import { loadTaskTransitions } from "../data/task-detail.js";
import { can } from "../session.js";
import type { DashboardApp, DashboardDeps, DashboardEnv } from "./dashboard-env.js";

/** The API's 401/403 envelopes, for the dashboard's JSON routes. */
function requireJson(permission: Permission): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const principal = c.get("ui").principal;
    if (!principal) {
      return sendError(
        c,
        reply("UNAUTHORIZED", `missing or invalid API key: send it in the ${API_KEY_HEADER} header`, {
          header: API_KEY_HEADER,
        }),
      );
    }
    if (!can(principal, permission)) {
      return sendError(
        c,
        reply("FORBIDDEN", `API key "${principal.name}" lacks the "${permission}" permission`, {
          required_permission: permission,
        }),
      );
    }
    return next();
  };
}

const noStore = (c: Context) => c.header("Cache-Control", "no-store");

/**
 * JSON views the `/v1` API has no route for: `GET {base}/api/queues`, `GET {base}/api/workers`
 * and `GET {base}/api/tasks/{task_uuid}/transitions`. Same keys and permissions as the API.
 */
export function registerJsonRoutes(app: DashboardApp, deps: DashboardDeps): void {
  const overview = async () =>
    buildQueueOverview(
      await loadQueueSnapshot(deps.tasker.database, transportKind(deps.tasker)),
      deps.staleWorkerSeconds,
    );

  app.get("/api/queues", requireJson("metrics:read"), async (c) => {
    noStore(c);
    return c.json((await overview()).overview);
  });

  app.get("/api/workers", requireJson("metrics:read"), async (c) => {
    noStore(c);
    return c.json((await overview()).workers);
  });

  app.get("/api/tasks/:task_uuid/transitions", requireJson("tasks:read"), async (c) => {
    const taskUuid = c.req.param("task_uuid");
    try {
      // getTask checks the uuid and that the task exists (400/404 with the API's messages).
      await deps.tasker.client.getTask(taskUuid);
      noStore(c);
      return c.json({ transitions: await loadTaskTransitions(deps.tasker.database, taskUuid) });
    } catch (err) {
      return sendError(c, errorReply(err));
    }
  });
}
