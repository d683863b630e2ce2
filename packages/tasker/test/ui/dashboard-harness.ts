// An engine with the test templates, the orchestration API and the dashboard on one random port,
// as the orchestration server serves them: the API app with the dashboard mounted at /ui.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type AuthConfig, buildApiApp } from "../../src/api/index.js";
import type { TestBackend } from "../../src/testing/index.js";
import { mountDashboard } from "../../src/ui/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

export interface DashboardHarness extends Harness {
  /** e.g. http://127.0.0.1:43121 */
  base: string;
  close(): Promise<void>;
}

export async function startDashboardHarness(
  backend: TestBackend,
  options: { auth?: AuthConfig; worker?: boolean; refreshMs?: number } = {},
): Promise<DashboardHarness> {
  const engine = await startHarness(backend, { worker: options.worker ?? true });
  const auth = options.auth ?? { enabled: false };
  const api = buildApiApp({ tasker: engine.tasker, auth });
  mountDashboard(api.app, { tasker: engine.tasker, auth, refreshMs: options.refreshMs ?? 300 });
  const server = createAdaptorServer({ fetch: api.app.fetch }) as Server;
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  return {
    ...engine,
    base: `http://127.0.0.1:${port}`,
    async close() {
      api.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.close();
    },
  };
}
