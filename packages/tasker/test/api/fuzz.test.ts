// Property-based fuzzing of the orchestration API over real HTTP: thousands of generated bad
// requests across every route. None may produce a 5xx, every rejection must be an error
// envelope, and rejected creates must leave no task or step rows behind.
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../../src/model/errors.js";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

/** Requests per property; four properties per backend. Override with TASKER_FUZZ_RUNS. */
const RUNS = Number(process.env.TASKER_FUZZ_RUNS ?? 800);
const FUZZ_TIMEOUT_MS = 180_000;

interface FuzzRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/vnd.api+json",
];

const TASK_FIELDS = [
  "name",
  "namespace",
  "version",
  "context",
  "initiator",
  "source_system",
  "reason",
  "tags",
  "priority",
  "correlation_id",
  "parent_correlation_id",
  "idempotency_key",
  "not_a_field",
];
const VALID_CREATE = { name: "order_flow", namespace: "api_test", context: { order_id: 1 } };

/** Mostly JSON (so bodies get past the media-type check), sometimes anything else. */
const contentType = fc.oneof(
  { arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8"), weight: 5 },
  { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 },
);

const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

/** A JSON body that is wrong in one of many ways (or, rarely, right: the checks allow that). */
const createBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  // A valid request now and then, so that the runs also reach the engine's create.
  fc.constant(JSON.stringify(VALID_CREATE)),
  // One field of a valid request replaced by anything at all.
  fc
    .record({ field: fc.constantFrom(...TASK_FIELDS), value: fc.anything() })
    .map(({ field, value }) => JSON.stringify({ ...VALID_CREATE, [field]: value })),
  // The context replaced by arbitrary JSON.
  fc.jsonValue().map((context) => JSON.stringify({ ...VALID_CREATE, context })),
  // Any JSON document at all, and any text at all.
  fc.json(),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  // Truncated valid JSON.
  fc.integer({ min: 0, max: 40 }).map((n) => JSON.stringify(VALID_CREATE).slice(0, n)),
  // Bytes that are not UTF-8.
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  // Deep nesting, in the context or as the whole body.
  fc
    .integer({ min: 11, max: 5_000 })
    .map((d) => `{"name":"order_flow","namespace":"api_test","context":{"d":${nested(d)}}}`),
  fc.integer({ min: 15, max: 50_000 }).map(nested),
  // Strings over the limit, keys over the limit.
  fc
    .integer({ min: 10_001, max: 12_000 })
    .map((n) => JSON.stringify({ ...VALID_CREATE, context: { order_id: 1, s: "x".repeat(n) } })),
  fc.integer({ min: 1_001, max: 1_200 }).map((n) =>
    JSON.stringify({
      ...VALID_CREATE,
      context: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
    }),
  ),
);

const actionBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  // A well-formed action now and then, so that the runs also reach the engine's rules.
  fc.constant(JSON.stringify({ action_type: "reset_for_retry", reason: "fuzz" })),
  fc
    .record({
      action_type: fc.oneof(
        fc.constantFrom("reset_for_retry", "resolve_manually", "complete_manually"),
        fc.string({ maxLength: 20 }),
      ),
      field: fc.constantFrom("reason", "completion_data", "resolved_by", "reset_by", "completed_by", "extra"),
      value: fc.anything(),
    })
    .map(({ action_type, field, value }) => JSON.stringify({ action_type, reason: "fuzz", [field]: value })),
  fc.json(),
  fc.string({ maxLength: 100 }),
  fc.integer({ min: 15, max: 20_000 }).map(nested),
);

/** A path segment that is anything but (mostly) a valid id: text, escapes, unknown UUIDs. */
const segment = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).map(encodeURIComponent),
  fc.constantFrom("%", "%ZZ", "%00", "..", "%2F", "null", "undefined", "-1", "0", "' OR 1=1 --"),
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.uuid().map((u) => `${u}x`),
);

const query = fc
  .dictionary(
    fc.constantFrom("namespace", "name", "status", "limit", "offset", "correlation_id", "reason", "zzz"),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    { maxKeys: 4 },
  )
  .map((q) => new URLSearchParams(q).toString());

async function send(url: string, r: FuzzRequest): Promise<{ status: number; text: string }> {
  const response = await fetch(url + r.path, {
    method: r.method,
    ...(r.headers ? { headers: r.headers } : {}),
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  return { status: response.status, text: await response.text() };
}

async function counts(h: ApiHarness): Promise<{ tasks: number; steps: number }> {
  const [row] = await h.tasker.database.query<{ tasks: number; steps: number }>(
    `SELECT (SELECT count(*)::int FROM tasker.tasks) AS tasks,
            (SELECT count(*)::int FROM tasker.workflow_steps) AS steps`,
  );
  return row!;
}

describe.each(testBackends())("fuzzing the orchestration API on %s", (backend) => {
  let h: ApiHarness;
  /** A task whose charge step failed, so step PATCHes reach real engine logic. */
  let failedTask: { task: string; step: string };
  /** A task that completed: every action on its steps is refused (409) by the engine's rules. */
  let completedTask: { task: string; step: string };
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    h = await startApiHarness(backend);
    const created = await call(h.url, "/v1/tasks", {
      method: "POST",
      json: { ...VALID_CREATE, context: { order_id: 1, decline: true } },
    });
    const done = await h.client.waitForTask(created.body.task_uuid, { timeoutMs: 20_000, intervalMs: 100 });
    failedTask = {
      task: done.task_uuid,
      step: done.steps.find((s) => s.name === "charge")!.workflow_step_uuid,
    };
    const ok = await call(h.url, "/v1/tasks", { method: "POST", json: VALID_CREATE });
    const completed = await h.client.waitForTask(ok.body.task_uuid, { timeoutMs: 20_000, intervalMs: 100 });
    expect(completed.status).toBe("complete");
    completedTask = {
      task: completed.task_uuid,
      step: completed.steps.find((s) => s.name === "charge")!.workflow_step_uuid,
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sends the request and checks the invariant every response must hold. */
  async function check(r: FuzzRequest): Promise<number> {
    const { status, text } = await send(h.url, r);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500) throw new Error(`${r.method} ${r.path} -> ${status}: ${text.slice(0, 300)}`);
    if (status >= 400 && r.method !== "HEAD") {
      const envelope = ErrorEnvelopeSchema.safeParse(JSON.parse(text));
      if (!envelope.success)
        throw new Error(`${r.method} ${r.path} -> ${status} without an envelope: ${text}`);
    }
    return status;
  }

  it(
    "never answers a bad create with a 5xx, and rejected creates write nothing",
    async () => {
      const before = await counts(h);
      let accepted = 0;
      let acceptedSteps = 0;
      await fc.assert(
        fc.asyncProperty(createBody, contentType, async (body, type) => {
          const { status, text } = await send(h.url, {
            method: "POST",
            path: "/v1/tasks",
            headers: { "content-type": type },
            body,
          });
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) throw new Error(`POST /v1/tasks -> ${status}: ${text.slice(0, 300)}`);
          if (status === 201) {
            accepted++;
            acceptedSteps += JSON.parse(text).total_steps;
          } else if (status !== 200) {
            expect(ErrorEnvelopeSchema.safeParse(JSON.parse(text)).success).toBe(true);
          }
        }),
        { numRuns: RUNS },
      );
      const after = await counts(h);
      expect(after.tasks).toBe(before.tasks + accepted);
      expect(after.steps).toBe(before.steps + acceptedSteps);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "never answers bad task and step paths or queries with a 5xx",
    async () => {
      const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
        fc
          .record({ s: segment, q: query })
          .map(({ s, q }) => ({ method: "GET", path: `/v1/tasks/${s}?${q}` })),
        fc
          .record({ s: segment, q: query })
          .map(({ s, q }) => ({ method: "DELETE", path: `/v1/tasks/${s}?${q}` })),
        query.map((q) => ({ method: "GET", path: `/v1/tasks?${q}` })),
        segment.map((s) => ({ method: "GET", path: `/v1/tasks/${s}/workflow_steps` })),
        fc
          .tuple(segment, segment)
          .map(([a, b]) => ({ method: "GET", path: `/v1/tasks/${a}/workflow_steps/${b}` })),
        fc
          .tuple(segment, segment)
          .map(([a, b]) => ({ method: "GET", path: `/v1/tasks/${a}/workflow_steps/${b}/audit` })),
        fc
          .tuple(segment, segment, segment)
          .map(([a, b, c]) => ({ method: "GET", path: `/v1/templates/${a}/${b}/${c}` })),
        query.map((q) => ({ method: "GET", path: `/v1/templates?${q}` })),
      );
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          await check(r);
        }),
        { numRuns: RUNS },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "never answers a bad step action with a 5xx",
    async () => {
      // The failed step answers by timing (a reset step fails again within milliseconds); the
      // completed one refuses every action, so the engine's conflicts are always reached.
      const target = fc.oneof(
        fc.constant(`/v1/tasks/${failedTask.task}/workflow_steps/${failedTask.step}`),
        fc.constant(`/v1/tasks/${completedTask.task}/workflow_steps/${completedTask.step}`),
        fc.tuple(segment, segment).map(([a, b]) => `/v1/tasks/${a}/workflow_steps/${b}`),
      );
      await fc.assert(
        fc.asyncProperty(target, actionBody, contentType, async (path, body, type) => {
          await check({ method: "PATCH", path, headers: { "content-type": type }, body });
        }),
        { numRuns: RUNS },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "never answers odd methods, paths and headers with a 5xx",
    async () => {
      const paths = fc.oneof(
        fc.constantFrom(
          "/v1/tasks",
          `/v1/tasks/${failedTask.task}`,
          `/v1/tasks/${failedTask.task}/workflow_steps`,
          "/v1/templates",
          "/health",
          "/health/ready",
          "/metrics",
          "/openapi.json",
          "/docs",
        ),
        fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join("/")}`),
        fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/v1/${parts.join("/")}`),
      );
      const request = fc.record({
        method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
        path: paths,
        contentType: fc.constantFrom(...CONTENT_TYPES),
        apiKey: fc.option(fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /^[\x21-\x7e]+$/.test(s))),
        body: fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 200 }))),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ method, path, contentType, apiKey, body }) => {
          const withBody = body !== null && method !== "GET" && method !== "HEAD";
          await check({
            method,
            path,
            headers: { "content-type": contentType, ...(apiKey ? { "x-api-key": apiKey } : {}) },
            ...(withBody ? { body } : {}),
          });
        }),
        { numRuns: RUNS },
      );
      // The server is still healthy after all of it.
      expect((await call(h.url, "/health/ready")).status).toBe(200);
      const total = [...statuses.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(4 * RUNS);
      expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
      // The generators reach past the first gate: validation, lookups and engine rules all answered.
      expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 201, 400, 404, 409, 422]));
    },
    FUZZ_TIMEOUT_MS,
  );
});
