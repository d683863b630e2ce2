// API keys on: every /v1 route (taken from the OpenAPI document, so a new route cannot slip
// through) refuses missing and wrong keys (401) and keys without its permission (403), and no
// key ever shows up in the server's logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../src/index.js";
import { ADMIN_KEY, type ServeProcess, startServe } from "./support/engine-processes.js";
import { killAll } from "./support/processes.js";
import { createTasks, openScenarioDatabase, type ScenarioDatabase } from "./support/scenario-database.js";
import { scenarioReport } from "./support/scenario-report.js";

const KEYS = {
  reader: "reliability-reader-key-7f3a9c1e5b2d",
  resolver: "reliability-resolver-key-0c4e8a2f6d1b",
  metrics: "reliability-metrics-key-9e1d5b3a7c0f",
  wrong: "reliability-wrong-key-000000000000",
};
/** What each key may do (ADMIN_KEY holds `*`). */
const GRANTS: Record<keyof typeof KEYS, string[]> = {
  reader: ["tasks:read", "templates:read"],
  resolver: ["steps:resolve"],
  metrics: ["metrics:read"],
  wrong: [],
};

/** The permission each /v1 operation needs. */
function requiredPermission(method: string, path: string): string {
  if (path.startsWith("/v1/templates")) return "templates:read";
  if (method === "patch" && path.includes("/workflow_steps/")) return "steps:resolve";
  if (method === "post" || method === "delete") return "tasks:write";
  return "tasks:read";
}

interface Operation {
  method: string;
  path: string;
}

describe("API key authentication", () => {
  const report = scenarioReport("auth: /v1 routes x keys", 9);
  let s: ScenarioDatabase;
  let serve: ServeProcess;
  let operations: Operation[];
  const ids: Record<string, string> = { namespace: "reliability", name: "single", version: "1.0.0" };

  beforeAll(async () => {
    s = await openScenarioDatabase("auth");
    serve = await startServe(
      s.url,
      [],
      {
        TASKER_API_KEYS: Object.entries(GRANTS)
          .filter(([who]) => who !== "wrong")
          .map(([who, grants]) => `${KEYS[who as keyof typeof KEYS]}:${grants.join("|")}`)
          .join(","),
        // Every request logged: the place a leaked key would show up.
        TASKER_LOG_LEVEL: "debug",
      },
      "serve (auth)",
    );
    const [task] = await createTasks(s.tasker, 1, () => ({ name: "single", namespace: "reliability" }));
    ids.task_uuid = task!;
    ids.step_uuid = (await s.tasker.client.getTask(task!)).steps[0]!.workflow_step_uuid;
    const doc = (await (await fetch(`${serve.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/v1/"))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
  });
  afterAll(async () => {
    await killAll();
    await s?.close();
  });

  function send(op: Operation, headers: Record<string, string>, query = ""): Promise<Response> {
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? "x");
    const body =
      op.method === "post"
        ? JSON.stringify({ name: "single", namespace: "reliability" })
        : op.method === "patch"
          ? JSON.stringify({ action_type: "resolve_manually", reason: "auth check" })
          : undefined;
    return fetch(`${serve.url}${path}${query}`, {
      method: op.method.toUpperCase(),
      headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body } : {}),
    });
  }

  async function expectRefused(response: Response, status: 401 | 403, what: string): Promise<void> {
    expect(response.status, what).toBe(status);
    const body = ErrorEnvelopeSchema.parse(await response.json());
    expect(body.error.code).toBe(status === 401 ? "UNAUTHORIZED" : "FORBIDDEN");
  }

  it("covers every /v1 route of the OpenAPI document", () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        "post /v1/tasks",
        "get /v1/tasks",
        "delete /v1/tasks/{task_uuid}",
        "patch /v1/tasks/{task_uuid}/workflow_steps/{step_uuid}",
        "get /v1/templates",
      ]),
    );
  });

  it("refuses missing, wrong and smuggled keys with 401 on every route", async () => {
    await report.run(async () => {
      const attempts: [string, Record<string, string>, string][] = [
        ["no key", {}, ""],
        ["empty key", { "X-API-Key": "" }, ""],
        ["wrong key", { "X-API-Key": KEYS.wrong }, ""],
        ["admin key with a byte missing", { "X-API-Key": ADMIN_KEY.slice(0, -1) }, ""],
        ["admin key in another header", { Authorization: `Bearer ${ADMIN_KEY}` }, ""],
        ["admin key in the query string", {}, `?api_key=${ADMIN_KEY}&x_api_key=${ADMIN_KEY}`],
      ];
      for (const op of operations) {
        for (const [what, headers, query] of attempts) {
          await expectRefused(await send(op, headers, query), 401, `${what}: ${op.method} ${op.path}`);
        }
      }
    });
  });

  it("refuses keys without the route's permission with 403, and lets the right ones through", async () => {
    await report.run(async () => {
      for (const op of operations) {
        const needed = requiredPermission(op.method, op.path);
        for (const who of ["reader", "resolver", "metrics"] as const) {
          const response = await send(op, { "X-API-Key": KEYS[who] });
          if (GRANTS[who].includes(needed))
            expect([401, 403], `${who} ${op.method} ${op.path}`).not.toContain(response.status);
          else await expectRefused(response, 403, `${who}: ${op.method} ${op.path}`);
        }
      }
      // The admin key (`*`) passes everywhere; cancelling comes last so the task is still there.
      for (const op of [...operations].sort(
        (a, b) => Number(a.method === "delete") - Number(b.method === "delete"),
      )) {
        const response = await send(op, { "X-API-Key": ADMIN_KEY });
        expect([401, 403], `admin ${op.method} ${op.path}`).not.toContain(response.status);
        expect(response.status, `admin ${op.method} ${op.path}`).toBeLessThan(500);
      }
    });
  });

  it("never writes a key to the logs", async () => {
    await report.run(async () => {
      const output = serve.process.output();
      // The debug request log did record the requests above...
      expect(serve.process.logs().filter((l) => l.msg === "request").length).toBeGreaterThan(50);
      // ...and no key, valid or not, appears anywhere in what the server wrote.
      for (const key of [ADMIN_KEY, ...Object.values(KEYS)]) expect(output).not.toContain(key);
    });
    report.note(`${operations.length} routes x 6 missing/wrong-key cases x 3 scoped keys + admin`);
  });
});
