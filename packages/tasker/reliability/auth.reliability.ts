// API keys on: every /v1 route (taken from the OpenAPI document, so a new route cannot slip
// through) refuses missing and wrong keys (401) and keys without its permission (403), answers a
// key with its permission exactly as it should (so a 500 cannot pass for "got through"), and no
// key ever shows up in the server's logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../src/model/errors.js";
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

interface Operation {
  method: string;
  path: string;
  /** The permission the route needs, as its OpenAPI operation says (x-required-permission). */
  permission: string;
}

/**
 * What a key with the route's permission gets for the request `send` makes (the task's one step
 * is still enqueued: no worker serves the namespace). A route missing here fails the test: say
 * what it should answer.
 */
const EXPECTED_STATUS: Record<string, number> = {
  "get /v1/tasks": 200,
  "post /v1/tasks": 201,
  // The body is one task request, not a batch of them.
  "post /v1/tasks/batch": 400,
  "get /v1/tasks/{task_uuid}": 200,
  // Cancelled by the admin key last (no scoped key may), the task being unfinished until then.
  "delete /v1/tasks/{task_uuid}": 200,
  "get /v1/tasks/{task_uuid}/workflow_steps": 200,
  "get /v1/tasks/{task_uuid}/workflow_steps/{step_uuid}": 200,
  // resolve_manually on a step that has not run: refused by its state, past auth.
  "patch /v1/tasks/{task_uuid}/workflow_steps/{step_uuid}": 409,
  "get /v1/tasks/{task_uuid}/workflow_steps/{step_uuid}/audit": 200,
  "get /v1/templates": 200,
  // The body is a task request, not a template.
  "post /v1/templates": 400,
  "get /v1/templates/{namespace}/{name}/{version}": 200,
  "get /v1/worker/workers": 200,
  "post /v1/worker/workers": 400,
  "post /v1/worker/workers/{worker_id}/claims": 400,
  "post /v1/worker/workers/{worker_id}/results": 400,
  "post /v1/worker/workers/{worker_id}/heartbeat": 400,
  "post /v1/worker/workers/{worker_id}/checkpoint": 400,
  // No body to check: the unknown worker id.
  "post /v1/worker/workers/{worker_id}/drain": 404,
  "delete /v1/worker/workers/{worker_id}": 404,
};

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
      paths: Record<string, Record<string, { "x-required-permission"?: string }>>;
    };
    operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/v1/"))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method,
          path,
          permission: op["x-required-permission"] ?? "(none documented)",
        })),
      );
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

  /** The status a key with the route's permission must get, as EXPECTED_STATUS says. */
  async function expectAnswered(response: Response, op: Operation, who: string): Promise<void> {
    const what = `${who}: ${op.method} ${op.path}`;
    const expected = EXPECTED_STATUS[`${op.method} ${op.path}`] ?? -1;
    const text = await response.text();
    expect(response.status, `${what} answered ${text.slice(0, 300)}`).toBe(expected);
    if (expected >= 400)
      expect(ErrorEnvelopeSchema.parse(JSON.parse(text)).error.code, what).not.toMatch(
        /^(UNAUTHORIZED|FORBIDDEN)$/,
      );
  }

  it("covers every /v1 route of the OpenAPI document, each with its permission and expected answer", () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
    for (const op of operations) {
      expect(op.permission, `${op.method} ${op.path}`).toMatch(/^[a-z]+(:[a-z]+)?$/);
      expect(
        EXPECTED_STATUS[`${op.method} ${op.path}`],
        `expected status of ${op.method} ${op.path}`,
      ).toBeTypeOf("number");
    }
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
      const allowed = { reader: 0, resolver: 0, metrics: 0 };
      for (const op of operations) {
        for (const who of ["reader", "resolver", "metrics"] as const) {
          const response = await send(op, { "X-API-Key": KEYS[who] });
          if (GRANTS[who].includes(op.permission)) {
            allowed[who]++;
            await expectAnswered(response, op, who);
          } else await expectRefused(response, 403, `${who}: ${op.method} ${op.path}`);
        }
      }
      // The scoped keys got through where they may: reader 7 routes, resolver 1 (metrics: /metrics only).
      expect(allowed).toEqual({ reader: 7, resolver: 1, metrics: 0 });
      // The admin key (`*`) passes everywhere; cancelling comes last so the task is still there.
      for (const op of [...operations].sort(
        (a, b) => Number(a.method === "delete") - Number(b.method === "delete"),
      )) {
        await expectAnswered(await send(op, { "X-API-Key": ADMIN_KEY }), op, "admin");
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
