// A real engine (PGlite in memory, or a fresh PostgreSQL database), a worker for the fixture
// workflow, and the orchestration API on a random port, for the API suites.
import { fileURLToPath } from "node:url";
import { type AuthConfig, type OrchestrationServer, startOrchestrationServer } from "../../src/api/index.js";
import { TaskerHttpClient } from "../../src/client/http-client.js";
import { defineHandler, type Logger, PermanentError, Tasker, type TaskerOptions } from "../../src/index.js";
import { createTestDatabase, type TestBackend, type TestDatabase } from "../../src/testing/index.js";

export const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));

/** Handlers of the `api_test.order_flow` fixture. */
export const ORDER_FLOW_HANDLERS = [
  defineHandler("api_test.validate", {}, async ({ input }) => ({ order_id: input.order_id, valid: true })),
  defineHandler("api_test.charge", {}, async ({ input, initialization }) => {
    if (input.decline) throw new PermanentError("card declined", { code: "card_declined" });
    return { charged: true, currency: initialization.currency };
  }),
  defineHandler("api_test.notify", {}, async ({ dependencyResults }) => ({
    sent: true,
    saw: Object.keys(dependencyResults).sort(),
  })),
];

export interface ApiHarness {
  backend: TestBackend;
  tasker: Tasker;
  server: OrchestrationServer;
  url: string;
  client: TaskerHttpClient;
  /** The PostgreSQL database URL (postgres backend only). */
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

export async function startApiHarness(
  backend: TestBackend,
  options: { auth?: AuthConfig; worker?: boolean; tasker?: Partial<TaskerOptions>; logger?: Logger } = {},
): Promise<ApiHarness> {
  let db: TestDatabase | undefined;
  if (backend === "postgres") db = await createTestDatabase("tasker_api");
  const tasker = await Tasker.open({
    ...(db ? { databaseUrl: db.url } : { dataDir: "memory://" }),
    templatePaths: [FIXTURES],
    ...options.tasker,
  });
  try {
    await tasker.startOrchestrator({ pollIntervalMs: 100 });
    if (options.worker !== false) {
      await tasker.startWorker({
        handlers: ORDER_FLOW_HANDLERS,
        namespaces: ["api_test"],
        pollIntervalMs: 100,
      });
    }
    const server = await startOrchestrationServer({
      tasker,
      port: 0,
      hostname: "127.0.0.1",
      auth: options.auth ?? { enabled: false },
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return {
      backend,
      tasker,
      server,
      url: server.url,
      client: new TaskerHttpClient({ baseUrl: server.url }),
      databaseUrl: db?.url,
      async close() {
        await server.close();
        await tasker.close();
        await db?.drop();
      },
    };
  } catch (err) {
    await tasker.close();
    await db?.drop();
    throw err;
  }
}

/** fetch + JSON for the route tests: status, parsed body (or text) and headers. */
// biome-ignore lint/suspicious/noExplicitAny: assertions read the body loosely; schemas check shapes where it matters
export type Body = any;

export async function call(
  url: string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: Body; headers: Headers }> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const response = await fetch(url + path, { ...init, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (metrics, docs): keep the text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
