import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createTestDatabase } from "@tasker-ts/tasker/testing";

const exec = promisify(execFile);

export interface PgbenchRun {
  clients: number;
  seconds: number;
  tps: number;
}

/** Is the pgbench binary on PATH? (It ships with the PostgreSQL client tools.) */
export async function pgbenchAvailable(): Promise<boolean> {
  try {
    await exec("pgbench", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * pgbench's built-in simple-update (one UPDATE, one SELECT, one INSERT per transaction) on a
 * scratch database of the same server: the machine's ceiling for small write transactions.
 */
export async function runPgbench(opts: {
  seconds: number;
  clients: number;
  threads: number;
}): Promise<PgbenchRun> {
  const db = await createTestDatabase("tasker_bench_pgbench");
  try {
    const url = new URL(db.url);
    const conn = [
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      decodeURIComponent(url.username || "postgres"),
    ];
    await exec("pgbench", [...conn, "-i", "-q", db.name], { env: pgEnv(url) });
    const { stdout } = await exec(
      "pgbench",
      [
        ...conn,
        "-n",
        "-b",
        "simple-update",
        "-T",
        String(opts.seconds),
        "-c",
        String(opts.clients),
        "-j",
        String(opts.threads),
        db.name,
      ],
      { env: pgEnv(url), maxBuffer: 10 * 1024 * 1024 },
    );
    return { clients: opts.clients, seconds: opts.seconds, tps: parsePgbenchTps(stdout) };
  } finally {
    await db.drop();
  }
}

function pgEnv(url: URL): NodeJS.ProcessEnv {
  return url.password ? { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } : process.env;
}

/** Reads `tps = 1234.5 (without initial connection time)` from pgbench's report. */
export function parsePgbenchTps(output: string): number {
  const match = /^tps = ([\d.]+) \((?:without|excluding) initial connection/m.exec(output);
  if (!match) {
    throw new Error(
      `pgbench printed no "tps = N (without initial connection time)" line; its output was:\n${output}`,
    );
  }
  return Number(match[1]);
}
