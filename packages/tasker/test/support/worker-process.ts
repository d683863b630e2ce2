// A worker in a process of its own (a fixture script), for tests that kill it mid-step.
import { type ChildProcess, spawn } from "node:child_process";
import { expect } from "vitest";

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
}

/** Starts `script` (a URL relative to the caller) on `databaseUrl` and waits for it to print READY. */
export async function startWorkerProcess(script: URL, databaseUrl: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script.pathname], {
    env: { ...process.env, DATABASE_URL: databaseUrl, TASKER_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await expect.poll(() => out.includes("READY"), { timeout: 30_000 }).toBe(true);
  return { child, output: () => out };
}
