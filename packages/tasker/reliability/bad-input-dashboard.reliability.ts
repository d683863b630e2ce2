// Bad input at the dashboard, sent to a real `tasker-ctl serve` process with API keys on: requests
// generated for every dashboard route (odd query strings with NUL, CR/LF, broken encodings and
// huge values; forms in odd encodings and sizes; hostile path parameters), plus the requests
// issue #20 found. Every answer is a 2xx, 3xx or 4xx (never a 5xx or a hang), a redirect never
// leaves the dashboard, JSON routes keep the error envelope, and the server stays healthy.
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorEnvelopeSchema } from "../src/model/errors.js";
import type { DashboardTasker } from "../src/ui/dashboard-tasker.js";
import { createDashboardApp } from "../src/ui/index.js";
import { DASHBOARD_ROUTES, dashboardRequestsFor, MAX_FORM_BYTES } from "./support/dashboard-fuzz.js";
import { ADMIN_KEY, type ServeProcess, startServe, startWorker } from "./support/engine-processes.js";
import type { FuzzRequest } from "./support/fuzz.js";
import { killAll } from "./support/processes.js";
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

const PER_ROUTE = volume(80, 20);
const SEED = Number(process.env.RELIABILITY_FUZZ_SEED ?? Date.now() % 1_000_000);

interface Answer {
  request: FuzzRequest;
  status: number;
  location: string | null;
  contentType: string;
  text: string;
}

/** What is wrong with an answer, if anything. */
function problemWith(a: Answer): string | null {
  if (a.status === 0) return `no answer within the timeout (${a.text})`;
  if (a.status >= 500) return `server error ${a.status}: ${a.text.slice(0, 200)}`;
  // Node's HTTP parser refuses an oversized URL or header block itself, before any route runs.
  if (a.status === 414 || a.status === 431) return null;
  if (a.location !== null && !/^\/ui(\/|\?|$)/.test(a.location))
    return `redirect off the dashboard: ${a.location}`;
  if (a.status >= 400 && a.contentType.includes("application/json")) {
    try {
      ErrorEnvelopeSchema.parse(JSON.parse(a.text));
    } catch {
      return `${a.status} JSON without the error envelope: ${a.text.slice(0, 200)}`;
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
  return `${r.method} ${r.path.slice(0, 200)} ${JSON.stringify(r.headers)} ${body}`;
}

describe("bad input at the dashboard", () => {
  const report = scenarioReport("bad input: dashboard (fuzz, forms)", 8.2);
  let s: ScenarioDatabase;
  let serve: ServeProcess;
  let sent = 0;

  beforeAll(async () => {
    s = await openScenarioDatabase("bad_input_ui");
    const workerConfig = writeConfig(s.dir, "worker", workerToml());
    [serve] = await Promise.all([startServe(s.url), startWorker(s.url, workerConfig)]);
  });
  afterAll(async () => {
    report.note(
      `${sent} requests over ${DASHBOARD_ROUTES.length} routes (seed ${SEED}); a 5xx, a hang or an off-site redirect fails the run`,
    );
    await killAll();
    await s?.close();
  });

  async function send(r: FuzzRequest): Promise<Answer> {
    sent++;
    try {
      const response = await fetch(`${serve.url}${r.path}`, {
        method: r.method,
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
        redirect: "manual",
        signal: AbortSignal.timeout(20_000),
      });
      return {
        request: r,
        status: response.status,
        location: response.headers.get("location"),
        contentType: response.headers.get("content-type") ?? "",
        text: await response.text(),
      };
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      return {
        request: r,
        status: 0,
        location: null,
        contentType: "",
        text: `${(err as Error).message}${cause ? ` (${cause.message})` : ""}`,
      };
    }
  }

  async function sendAll(requests: FuzzRequest[], parallel = 6): Promise<Answer[]> {
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

  it("knows every dashboard route (a new one must be added to the fuzzer)", async () => {
    await report.run(async () => {
      const { app } = createDashboardApp({ tasker: {} as DashboardTasker });
      // One entry per handler (a route's middleware included); "ALL" ones are the middleware.
      const registered = [
        ...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`)),
      ].sort();
      expect(registered).toEqual(DASHBOARD_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    });
  });

  it(`answers ${PER_ROUTE} generated requests per dashboard route with 2xx-4xx, never 5xx`, async () => {
    await report.run(async (record) => {
      // A failed task (its result cannot be stored), a complete one and one no worker picks up:
      // the step actions and the cancel form meet every state.
      const [errored, done] = await createTasks(s.tasker, 2, (i) => ({
        name: "single",
        namespace: "reliability",
        context: i === 0 ? { nul_result: true } : {},
      }));
      await waitForTerminal(s.tasker, [errored!, done!], { stallMs: 30_000 });
      const [parked] = await createTasks(s.tasker, 1, () => ({
        name: "parked",
        namespace: "reliability_parked",
      }));
      record({ tasks: 3 });
      const stepOf = async (task: string) =>
        (await s.tasker.client.getTask(task)).steps[0]!.workflow_step_uuid;
      const ctx = {
        base: "/ui",
        origin: serve.url,
        apiKey: ADMIN_KEY,
        pathIds: {
          task_uuid: [errored!, done!, parked!],
          step_uuid: [await stepOf(errored!), await stepOf(done!), await stepOf(parked!)],
          namespace: ["reliability"],
          // Templates' names, and (for /assets/:name) a shipped asset.
          name: ["single", "parked", "dashboard.css"],
          version: ["1.0.0"],
        },
      };
      const requests = DASHBOARD_ROUTES.flatMap((route, i) =>
        fc.sample(dashboardRequestsFor(route, ctx), { numRuns: PER_ROUTE, seed: SEED + i }),
      );
      const answers = await sendAll(requests);
      expectNoProblems(answers);
      // The fuzzing reached the pages and the actions, not only the checks in front of them.
      const statuses = new Set(answers.map((a) => a.status));
      for (const status of [200, 303, 400, 413]) expect(statuses, `seed ${SEED}`).toContain(status);
    });
  });

  it("answers the requests issue #20 found with 4xx, and keeps redirects on the dashboard", async () => {
    await report.run(async () => {
      const form = (body: string, headers: Record<string, string> = {}): FuzzRequest => ({
        method: "POST",
        path: "/ui/login",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: serve.url, ...headers },
        body,
      });
      const get = (path: string): FuzzRequest => ({
        method: "GET",
        path,
        headers: { "x-api-key": ADMIN_KEY },
      });
      const cases: [FuzzRequest, number, string | null][] = [
        [get("/ui/tasks?q=%00"), 400, null],
        [get("/ui/tasks?q=%00&partial=results"), 400, null],
        [get("/ui/templates/reliability%00/single/1.0.0"), 400, null],
        [form(`key=${ADMIN_KEY}&next=%2Fui%2Ftasks%0D%0AX-Injected%3A%201`), 303, "/ui"],
        [form(`key=${ADMIN_KEY}&next=%2Fui%2Ftasks%3Fq%3D%F0%9F%98%80`), 303, "/ui/tasks?q=%F0%9F%98%80"],
        [form(`key=${ADMIN_KEY}&next=https%3A%2F%2Fevil.example`), 303, "/ui"],
        [form(`key=${"k".repeat(MAX_FORM_BYTES)}`), 413, null],
        [form("--x\r\nbroken", { "content-type": "multipart/form-data; boundary=x" }), 400, null],
      ];
      const answers = await sendAll(
        cases.map(([r]) => r),
        2,
      );
      expectNoProblems(answers);
      for (const [request, status, location] of cases) {
        const answer = answers.find((a) => a.request === request)!;
        expect(answer.status, describeRequest(request)).toBe(status);
        if (location !== null) expect(answer.location, describeRequest(request)).toBe(location);
      }
    });
  });

  it("leaves no half-written task behind, and the server is still up and quick", async () => {
    await report.run(async () => {
      // The fuzzing may have retried, resolved or cancelled the tasks: they all end.
      const tasks = await s.tasker.database.query<{ task_uuid: string }>(
        "SELECT task_uuid FROM tasker.tasks WHERE namespace = 'reliability'",
      );
      await waitForTerminal(
        s.tasker,
        tasks.map((t) => t.task_uuid),
        { stallMs: 30_000 },
      );
      expect(await integrityProblems(s.tasker)).toEqual([]);
      expect(serve.process.child.exitCode).toBeNull();
      const started = Date.now();
      expect((await fetch(`${serve.url}/health/live`)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
    });
  });
});
