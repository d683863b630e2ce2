import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { TEST_PG_ADMIN_URL } from "@tasker-ts/tasker/testing";
import amqplib from "amqplib";
import pg from "pg";
import { type RabbitMqProbe, redactUrl } from "./options.js";

/** The broker the RabbitMQ contender uses: RABBITMQ_URL, else the engine's own default. */
export const BENCH_RABBITMQ_URL = process.env.RABBITMQ_URL || "amqp://guest:guest@127.0.0.1:5672";

/** Server settings a result depends on, shown beside the version. */
const POSTGRES_SETTINGS = ["shared_buffers", "wal_buffers", "commit_delay", "synchronous_commit"];

/** The PostgreSQL server's version and the settings above, or null when it does not answer. */
export async function postgresVersion(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string; value: string }>(
      "SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name",
      [["server_version", ...POSTGRES_SETTINGS]],
    );
    const [version, ...settings] = rows;
    if (!version) return null;
    return `${version.value} (${settings.map((s) => `${s.name} ${s.value}`).join(", ")})`;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * How long each try may wait for the AMQP handshake. A broker that refuses fails the first try at
 * once; one that listens but is slow to answer (as one was on CI, right after the rabbitmq suite)
 * gets two longer tries instead of failing the run.
 */
const RABBITMQ_HANDSHAKE_TIMEOUTS_MS = [3_000, 10_000, 30_000];

/** An AMQP connection to the bench's broker, retried (with more time) only when the handshake timed out. */
export async function connectRabbitMq(
  url = BENCH_RABBITMQ_URL,
  timeouts: readonly number[] = RABBITMQ_HANDSHAKE_TIMEOUTS_MS,
  warn: (line: string) => void = console.warn,
): Promise<amqplib.ChannelModel> {
  for (const [i, timeout] of timeouts.entries()) {
    try {
      const connection = await amqplib.connect(url, { timeout });
      connection.on("error", () => undefined);
      return connection;
    } catch (err) {
      const timedOut = (err as Error).message?.includes("ETIMEDOUT");
      if (!timedOut || i === timeouts.length - 1) throw err;
      // Said, not hidden: a CI log should show that the broker was slow.
      warn(
        `RabbitMQ on ${redactUrl(url)} did not finish the handshake in ${timeout} ms; trying again with ${timeouts[i + 1]} ms`,
      );
    }
  }
  throw new Error("connectRabbitMq needs at least one timeout");
}

/** Connects (see connectRabbitMq) and reports the broker's version, or why it failed. */
export async function probeRabbitMq(url = BENCH_RABBITMQ_URL): Promise<RabbitMqProbe> {
  const shown = redactUrl(url);
  const started = Date.now();
  try {
    const connection = await connectRabbitMq(url);
    const version = connection.connection.serverProperties.version ?? "unknown";
    await connection.close().catch(() => undefined);
    return { url: shown, version };
  } catch (err) {
    const message = (err as Error).message || String(err);
    return { url: shown, version: null, error: `${message} after ${Date.now() - started} ms` };
  }
}

/** The installed @electric-sql/pglite package version (resolved the way the engine resolves it). */
export function pgliteVersion(): string | null {
  try {
    const require = createRequire(import.meta.resolve("@tasker-ts/tasker"));
    let dir = dirname(require.resolve("@electric-sql/pglite"));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === "@electric-sql/pglite") return pkg.version ?? null;
      } catch {
        // not the package root yet: keep walking up
      }
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * The engine's commit (`BENCH_ENGINE_COMMIT` when measuring a snapshot outside git), with
 * `-dirty` when packages/tasker has uncommitted changes: a result names what it measured.
 */
export function engineCommit(): string | null {
  if (process.env.BENCH_ENGINE_COMMIT) return process.env.BENCH_ENGINE_COMMIT;
  try {
    const commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages/tasker"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return null;
  }
}
