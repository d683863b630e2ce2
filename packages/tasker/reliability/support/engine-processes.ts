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
