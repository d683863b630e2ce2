import { HANDLERS_DIR, type RunningProcess, startFixture, startTaskerCtl } from "./processes.js";

/** `tasker-ctl worker` serving the reliability namespace with the fixture handlers. */
export function startWorker(
  databaseUrl: string,
  configPath: string,
  name = "worker",
  env: Record<string, string> = {},
): Promise<RunningProcess> {
  return startTaskerCtl(
    name,
    ["worker", "--handlers", HANDLERS_DIR, "--config", configPath],
    { DATABASE_URL: databaseUrl, RELIABILITY_DATABASE_URL: databaseUrl, ...env },
    /tasker-ctl worker \S+: serving/,
  );
}

/** An orchestrator-only process (fixtures/orchestrator-process.ts). */
export function startOrchestrator(
  databaseUrl: string,
  name = "orchestrator",
  env: Record<string, string> = {},
): Promise<RunningProcess> {
  return startFixture(name, "orchestrator-process.ts", { DATABASE_URL: databaseUrl, ...env });
}

/** An API key for the serve processes (PostgreSQL deployments must have one). */
export const ADMIN_KEY = "reliability-admin-key-0123456789abcdef";

export interface ServeProcess {
  process: RunningProcess;
  /** e.g. http://127.0.0.1:43121 */
  url: string;
}

/** `tasker-ctl serve` (orchestration API + orchestrator) on a free loopback port. */
export async function startServe(
  databaseUrl: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  name = "serve",
): Promise<ServeProcess> {
  const process = await startTaskerCtl(
    name,
    ["serve", "--port", "0", "--host", "127.0.0.1", ...args],
    { DATABASE_URL: databaseUrl, TASKER_API_KEY: ADMIN_KEY, ...env },
    /orchestration API on (http:\/\/\S+)/,
  );
  const url = /orchestration API on (http:\/\/\S+)/.exec(process.output())![1]!;
  return { process, url };
}
