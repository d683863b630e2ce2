// Bad input at the API boundary, sent to a real `tasker-ctl serve` process: requests generated from
// the OpenAPI document, malformed/huge/deep bodies and broken HTTP. Every answer is a clear 4xx
// (or a 503 with Retry-After), the server neither crashes nor hangs, nothing is half-written, and
// SQL-injection strings in every text field come back verbatim.
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../src/model/errors.js";
import { ADMIN_KEY, type ServeProcess, startServe, startWorker } from "./support/engine-processes.js";
import { type FuzzRequest, type OpenApiDoc, operationsOf, requestsFor } from "./support/fuzz.js";
import { killAll, TEMPLATES_DIR } from "./support/processes.js";
import {
  createTasks,
  integrityProblems,
  openScenarioDatabase,
  type ScenarioDatabase,
  waitForTerminal,
  workerToml,
  writeConfig,
} from "./support/scenario-database.js";
import { scenarioReport, volume } from "./support/scenario-report.js";

const PER_OPERATION = volume(120, 30);
const SEED = Number(process.env.RELIABILITY_FUZZ_SEED ?? Date.now() % 1_000_000);

interface Answer {
  request: FuzzRequest;
  status: number;
  retryAfter: string | null;
  text: string;
  ms: number;
}

/** What is wrong with an answer, if anything: a crash (5xx), a hang, or an error without its envelope. */
function problemWith(a: Answer): string | null {
  if (a.status === 0) return `no answer within the timeout (${a.text})`;
  if (a.status === 503) return a.retryAfter ? null : "503 without Retry-After";
  if (a.status >= 500) return `server error ${a.status}: ${a.text.slice(0, 200)}`;
  // Node's HTTP parser refuses an oversized URL or header block itself, before the API runs.
  if (a.status === 414 || a.status === 431) return null;
  if (a.status >= 400) {
    try {
      ErrorEnvelopeSchema.parse(JSON.parse(a.text));
    } catch {
      return `${a.status} without the error envelope: ${a.text.slice(0, 200)}`;
    }
  }
  return null;
}

function describeRequest(r: FuzzRequest): string {
  const body =
    r.body === undefined
      ? ""
      : typeof r.body === "string"
        ? r.body.slice(0, 160)
        : `<${r.body.length} bytes>`;
  return `${r.method} ${r.path.slice(0, 160)} ${JSON.stringify(r.headers)} ${body}`;
}

describe("bad input at the API", () => {
  const report = scenarioReport("bad input: API (fuzz, bodies, SQL strings)", 8);
  let s: ScenarioDatabase;
  let serve: ServeProcess;
  let created = 0;
  let sent = 0;

  beforeAll(async () => {
    s = await openScenarioDatabase("bad_input_api");
    const workerConfig = writeConfig(s.dir, "worker", workerToml());
    [serve] = await Promise.all([startServe(s.url), startWorker(s.url, workerConfig)]);
  });
  afterAll(async () => {
    report.note(`${sent} requests (seed ${SEED}); a 5xx, a hang or a half-written task fails the run`);
    await killAll();
    await s?.close();
  });

  async function send(r: FuzzRequest): Promise<Answer> {
    const started = Date.now();
    try {
      const response = await fetch(`${serve.url}${r.path}`, {
        method: r.method,
        headers: { "x-api-key": ADMIN_KEY, ...r.headers },
        ...(r.body !== undefined ? { body: r.body } : {}),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      sent++;
      if (response.status === 201) created++;
      return {
        request: r,
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        text,
        ms: Date.now() - started,
      };
    } catch (err) {
      sent++;
      return {
        request: r,
        status: 0,
        retryAfter: null,
        text: (err as Error).message,
        ms: Date.now() - started,
      };
    }
  }

  async function sendAll(requests: FuzzRequest[], parallel = 8): Promise<Answer[]> {
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let i = next++; i < requests.length; i = next++) answers.push(await send(requests[i]!));
      }),
    );
    return answers;
  }

  function expectNoProblems(answers: Answer[]): void {
    const problems = answers.flatMap((a) => {
      const p = problemWith(a);
      return p ? [`${p}\n    <- ${describeRequest(a.request)}`] : [];
    });
    expect(problems.slice(0, 8), `seed ${SEED}`).toEqual([]);
  }

  it(`answers ${PER_OPERATION} generated requests per OpenAPI operation with 4xx, never 5xx`, async () => {
    await report.run(async (record) => {
      const doc = (await (await fetch(`${serve.url}/openapi.json`)).json()) as OpenApiDoc;
      const operations = operationsOf(doc);
      expect(operations.length).toBeGreaterThanOrEqual(14);
      const [task] = await createTasks(s.tasker, 1, () => ({ name: "pair", namespace: "reliability" }));
      const step = (await s.tasker.client.getTask(task!)).steps[0]!.workflow_step_uuid;
      const pathIds = {
        task_uuid: task!,
        step_uuid: step,
        namespace: "reliability",
        name: "single",
        version: "1.0.0",
      };
      const bodies: Record<string, Record<string, unknown>> = {
        POST: { name: "single", namespace: "reliability", context: {} },
        PATCH: { action_type: "resolve_manually", reason: "fuzz" },
      };
      const requests = operations.flatMap((op, i) =>
        fc.sample(requestsFor(op, { pathIds, body: bodies[op.method] }), {
          numRuns: PER_OPERATION,
          seed: SEED + i,
        }),
      );
      const answers = await sendAll(requests);
      record({ tasks: answers.filter((a) => a.status === 201).length });
      expectNoProblems(answers);
      // The fuzzing reached the engine, not only the validators.
      expect(answers.some((a) => a.status === 200)).toBe(true);
      expect(answers.some((a) => a.status === 400)).toBe(true);
    });
  });

  it("answers malformed, huge and deeply nested bodies with 400/413", async () => {
    await report.run(async () => {
      const post = (body: string | Uint8Array, contentType = "application/json"): FuzzRequest => ({
        method: "POST",
        path: "/v1/tasks",
        headers: { "content-type": contentType },
        body,
      });
      const valid = (context: unknown) =>
        JSON.stringify({ name: "single", namespace: "reliability", context });
      const cases: [FuzzRequest, number[]][] = [
        [post("{"), [400]],
        [post('{"name": "single", "namespace": '), [400]],
        [post("null"), [400]],
        [post("[]"), [400]],
        [post('"just a string"'), [400]],
        [post("1".repeat(10_000)), [400]],
        [post(""), [400]],
        [post(Uint8Array.from([0xff, 0xfe, 0xfd, 0x7b, 0x7d])), [400]],
        [post(`\ufeff${valid({})}`), [201, 400]],
        [post(valid({}), "text/plain"), [400]],
        [post(`{"name":"single","namespace":"reliability","context":{"d":${"[".repeat(100_000)}`), [400]],
        [post(`${"[".repeat(200_000)}${"]".repeat(200_000)}`), [400]],
        [post(valid({ s: "x".repeat(2 * 1024 * 1024) })), [413]],
        [post(valid({ s: "x".repeat(10_001) })), [400, 413]],
        [post(valid(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])))), [400, 413]],
        [
          post(valid({ a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: 1 } } } } } } } } } } })),
          [400, 413],
        ],
        [post(valid({ n: 1e308, m: -0 })), [201]],
        [
          post(`{"name":"single","namespace":"reliability","context":{"__proto__":{"polluted":true}}}`),
          [201, 400],
        ],
        [post(`{"name":"single","name":"single","namespace":"reliability"}`), [201, 400]],
        [post(valid({ s: "a\u0000b" })), [400]],
        [post(JSON.stringify({ name: "single", namespace: "reliability", reason: "a\u0000b" })), [400]],
        [
          {
            method: "PATCH",
            path: "/v1/tasks/00000000-0000-0000-0000-000000000000/workflow_steps/00000000-0000-0000-0000-000000000000",
            headers: { "content-type": "application/json" },
            body: "{".repeat(50_000),
          },
          [400],
        ],
        [{ method: "GET", path: `/v1/tasks/${"x".repeat(100_000)}`, headers: {} }, [400, 404, 414, 431]],
        [{ method: "GET", path: `/v1/tasks?limit=${"9".repeat(400)}`, headers: {} }, [400]],
      ];
      const answers = await sendAll(
        cases.map(([r]) => r),
        4,
      );
      expectNoProblems(answers);
      for (const [request, statuses] of cases) {
        const answer = answers.find((a) => a.request === request)!;
        expect(statuses, describeRequest(request)).toContain(answer.status);
      }
    });
  });

  it("survives broken HTTP: a lying Content-Length, a huge declared body, garbage on the socket", async () => {
    await report.run(async () => {
      const { hostname, port } = new URL(serve.url);
      const raw = (text: string, waitMs: number) =>
        new Promise<string>((resolve) => {
          const socket = connect(Number(port), hostname);
          let reply = "";
          socket.on("data", (d) => {
            reply += d.toString();
          });
          socket.on("error", () => resolve(reply));
          socket.on("close", () => resolve(reply));
          socket.write(text);
          setTimeout(() => socket.destroy(), waitMs);
        });
      const head = (length: number) =>
        `POST /v1/tasks HTTP/1.1\r\nHost: x\r\nX-API-Key: ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
      // Promises 100 bytes, sends 10, hangs up.
      await raw(`${head(100)}{"name":"s`, 300);
      // Declares 50 MiB: refused before a byte of it is read.
      expect(await raw(head(50 * 1024 * 1024), 2000)).toMatch(/^HTTP\/1\.1 413/);
      // Not HTTP at all.
      expect(await raw("HELLO THERE\r\n\r\n", 1000)).toMatch(/^HTTP\/1\.1 400/);
      expect(serve.process.child.exitCode).toBeNull();
      expect((await fetch(`${serve.url}/health/live`)).status).toBe(200);
    });
  });

  it("stores SQL-injection strings in every text field verbatim", async () => {
    await report.run(async (record) => {
      const payloads = [
        "'; DROP TABLE tasker.tasks; --",
        "' OR '1'='1",
        "Robert'); DELETE FROM tasker.workflow_steps;--",
        '" OR ""="',
        "1; SELECT pg_sleep(10); --",
        "$$; DROP SCHEMA tasker CASCADE; $$",
        "\\'; TRUNCATE tasker.task_templates; --",
        "%' AND 1=1 UNION SELECT * FROM pg_shadow --",
        'O\'Brien \\\\ "quoted" `backtick` ;',
        "😀'); --",
      ];
      const headers = { "content-type": "application/json", "x-api-key": ADMIN_KEY };
      for (const [i, p] of payloads.entries()) {
        const request = {
          // Never picked up, so its step can be resolved by hand below.
          name: "parked",
          namespace: "reliability_parked",
          context: { [p]: p, nested: { list: [p, { [p]: [p] }] } },
          initiator: p,
          source_system: p,
          reason: p,
          tags: [p, `${p}#2`],
          correlation_id: `${p}#${i}`,
          parent_correlation_id: p,
          idempotency_key: `injection-${i}-${p}`,
        };
        const createdResponse = await fetch(`${serve.url}/v1/tasks`, {
          method: "POST",
          headers,
          body: JSON.stringify(request),
        });
        expect(createdResponse.status, p).toBe(201);
        const { task_uuid: uuid } = (await createdResponse.json()) as { task_uuid: string };
        const task = (await (await fetch(`${serve.url}/v1/tasks/${uuid}`, { headers })).json()) as Record<
          string,
          unknown
        >;
        expect(task).toMatchObject({
          context: request.context,
          initiator: p,
          source_system: p,
          reason: p,
          tags: request.tags,
          correlation_id: request.correlation_id,
          parent_correlation_id: p,
        });
        const [row] = await s.tasker.database.query<{ idempotency_key: string }>(
          "SELECT idempotency_key FROM tasker.tasks WHERE task_uuid = $1",
          [uuid],
        );
        expect(row!.idempotency_key).toBe(request.idempotency_key);
        // As a filter it matches exactly that task, and nothing else.
        const listed = (await (
          await fetch(`${serve.url}/v1/tasks?correlation_id=${encodeURIComponent(request.correlation_id)}`, {
            headers,
          })
        ).json()) as { tasks: { task_uuid: string }[] };
        expect(listed.tasks.map((t) => t.task_uuid)).toEqual([uuid]);
        for (const filter of ["namespace", "name"]) {
          const r = await fetch(`${serve.url}/v1/tasks?${filter}=${encodeURIComponent(p)}`, { headers });
          expect(r.status).toBe(200);
          expect(((await r.json()) as { tasks: unknown[] }).tasks).toEqual([]);
        }
        // Operator text: the step's audit and the task's cancel reason keep it as sent. Operator
        // actions apply only to a step that failed, so the parked step is put in error first.
        const stepUuid = (task.steps as { workflow_step_uuid: string }[])[0]!.workflow_step_uuid;
        await s.tasker.database.query(
          "UPDATE tasker.workflow_steps SET state = 'error' WHERE workflow_step_uuid = $1",
          [stepUuid],
        );
        const patched = await fetch(`${serve.url}/v1/tasks/${uuid}/workflow_steps/${stepUuid}`, {
          method: "PATCH",
          headers,
          body: JSON.stringify({ action_type: "resolve_manually", reason: p, resolved_by: p }),
        });
        expect(patched.status, p).toBe(200);
        const audit = (await (
          await fetch(`${serve.url}/v1/tasks/${uuid}/workflow_steps/${stepUuid}/audit`, { headers })
        ).json()) as { metadata: Record<string, unknown> }[];
        expect(audit.at(-1)!.metadata).toMatchObject({ reason: p, by: p });
        record({ tasks: 1 });
      }
      const [cancelled] = await createTasks(s.tasker, 1, () => ({ name: "pair", namespace: "reliability" }));
      const reason = payloads[0]!;
      const del = await fetch(`${serve.url}/v1/tasks/${cancelled}?reason=${encodeURIComponent(reason)}`, {
        method: "DELETE",
        headers,
      });
      expect(del.status).toBeLessThan(300);
      const [transition] = await s.tasker.database.query<{ metadata: { reason: string } }>(
        "SELECT metadata FROM tasker.task_transitions WHERE task_uuid = $1 AND event = 'cancel'",
        [cancelled],
      );
      expect(transition!.metadata.reason).toBe(reason);
      // Every table is still there, with every row.
      const [counts] = await s.tasker.database.query<{ templates: number; tasks: number }>(
        "SELECT (SELECT count(*)::int FROM tasker.task_templates) AS templates, (SELECT count(*)::int FROM tasker.tasks) AS tasks",
      );
      expect(counts!.templates).toBe(readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith(".yaml")).length);
      expect(counts!.tasks).toBeGreaterThanOrEqual(payloads.length + 2);
    });
  });

  it("fails a step whose handler returns text PostgreSQL cannot store, instead of retrying it for ever", async () => {
    await report.run(async (record) => {
      const [uuid] = await createTasks(s.tasker, 1, () => ({
        name: "single",
        namespace: "reliability",
        context: { nul_result: true },
      }));
      await waitForTerminal(s.tasker, [uuid!], { stallMs: 30_000 });
      const task = await s.tasker.client.getTask(uuid!);
      record({ tasks: 1, lost: task.status === "error" ? 0 : 1 });
      expect(task.status).toBe("error");
      const step = await s.tasker.client.getStep(uuid!, task.steps[0]!.workflow_step_uuid);
      expect(step).toMatchObject({
        attempts: 1,
        error: { code: "unstorable_result", message: expect.stringContaining("result.text contains a NUL") },
      });
    });
  });

  it("leaves no half-written task behind, and the server is still up", async () => {
    await report.run(async (record) => {
      const problems = await integrityProblems(s.tasker);
      record({ lost: problems.length });
      expect(problems).toEqual([]);
      const [row] = await s.tasker.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tasker.tasks",
      );
      // Every 201 is a task in the database (plus the ones this file created directly).
      expect(row!.n).toBeGreaterThanOrEqual(created);
      expect(serve.process.child.exitCode).toBeNull();
      expect((await fetch(`${serve.url}/health/live`)).status).toBe(200);
    });
  });
});
