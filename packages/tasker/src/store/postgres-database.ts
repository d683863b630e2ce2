import pg from "pg";
import type { Logger } from "../observability/logger.js";
import { type Database, GENERIC_PLANS, requireCommitted, requireOpen, type Transaction } from "./database.js";
import { OneSyncQuery, sendableInOneSync, wireValues } from "./postgres-one-sync.js";
import { statementName } from "./statement-name.js";

// Timestamps stay Date (the default); int8 counts are cast in SQL where a number is wanted.

export interface PostgresOptions {
  url: string;
  poolMax?: number;
  logger?: Logger;
}

const ENGINE_SETTINGS = [
  // Every engine statement finds its rows by key. A prepared statement keeps the plan it got
  // while the tables were small (a fresh deployment, or before autovacuum's first ANALYZE), and
  // there a sequential scan was the cheaper plan: it stayed one as the tables grew, and the
  // database spent its CPU scanning workflow_steps (bench/LOG.md, "third pass": the plan cache
  // kept sequential scans).
  "SET enable_seqscan = off",
  // Nor bitmap scans: with statistics taken while a queue was short (autovacuum's, between
  // bursts), the queue read expected a few rows a queue and read a queue's whole visible range
  // with a bitmap scan, then sorted it (3,004 rows for a limit of 16), where the index's order
  // reads the limit. The engine reads a few rows by key, where a plain index scan is as good.
  "SET enable_bitmapscan = off",
  // Nor JIT: a plan that has no other path than a disabled scan costs over jit_above_cost, and
  // compiling one of the engine's statements (a few rows' work) took ~3 s.
  "SET jit = off",
].join("; ");

/** A PostgreSQL server through `pg`: a pool for queries, one dedicated connection for LISTEN. */
export async function openPostgresDatabase(options: PostgresOptions): Promise<Database> {
  // Pipeline mode: a query is written as soon as it is issued, without waiting for the answer to
  // the one before, which is what lets a transaction send BEGIN, a batch or the COMMIT together.
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolMax ?? 10, pipeline: true });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on("error", (err) => options.logger?.warn({ err: err.message }, "postgres pool connection error"));
  // pg emits 'error' on a client when the server ends its session while no query is running on
  // it (pg_terminate_backend, restarts). The pool listens only while a client is idle, and only
  // once; a second event, or one in a gap while the client is checked out, had no listener and
  // crashed the process. The failure still reaches queries and transactions their own way.
  pool.on("connect", (client) => {
    client.on("error", (err) => options.logger?.debug({ err: err.message }, "postgres connection ended"));
    // The engine's planner settings, in one simple query, sent first on the connection so they
    // hold for every query after it. Not as startup options (`-c ...`), which cost no message at
    // all: PgBouncer (docs/deployment.md) refuses or drops startup options it does not track.
    client.query(ENGINE_SETTINGS).catch(() => undefined);
    // Parsed now, so that transactions can send them in one call (see sendableInOneSync). Outside a
    // transaction, a local setting ends with its statement.
    client.query(GENERIC_PLANS_IN_ONE_SYNC).catch(() => undefined);
    client.query(UNFLUSHED_IN_ONE_SYNC).catch(() => undefined);
  });
  await pool.query("SELECT 1");
  const listener = new NotificationListener(options.url, options.logger);
  const query = async <R>(sql: string, params?: readonly unknown[]) =>
    (await pool.query(prepared(sql, params))).rows as R[];
  return {
    kind: "postgres",
    query,
    async transaction(fn, txOptions) {
      const client = await pool.connect();
      // A checked-out connection that breaks between queries (server restart, terminated backend)
      // emits 'error' on the client, and the pool only listens while it is idle: unheard, that
      // event crashed the process. Heard, the transaction fails and the client is destroyed.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
        options.logger?.warn({ err: err.message }, "postgres connection lost during a transaction");
      };
      client.on("error", onError);
      let open = true;
      // BEGIN leaves with the transaction's first statements, answered together with them: no round
      // trip of its own. A transaction whose first call commits it needs none (see OneSyncQuery).
      let begun: Promise<unknown> | undefined;
      const begin = () => {
        if (begun) return;
        begun = client.query("BEGIN");
        if (txOptions?.synchronousCommit === false) {
          client.query("SET LOCAL synchronous_commit = off").catch(() => undefined);
        }
        if (txOptions?.genericPlans) {
          client.query(GENERIC_PLANS).catch(() => undefined);
        }
        begun.catch(() => undefined); // its failure fails the statements after it, and is rethrown below
      };
      // Each statement is prepared (its values converted) before anything of the call is sent.
      const send = <R>(statement: pg.QueryConfig) => client.query(statement).then((r) => r.rows as R[]);
      const tx: Transaction = {
        serial: false,
        async query<R>(sql: string, params?: readonly unknown[]) {
          requireOpen(open);
          const statement = prepared(sql, params);
          return corked(client, () => {
            begin();
            return send<R>(statement);
          });
        },
        async batch(statements, options) {
          requireOpen(open);
          const sendable = statements.map((s) => prepared(s.sql, s.params));
          if (!options?.commit) {
            const answers = corked(client, () => {
              begin();
              return sendable.map((s) => send(s));
            });
            return (await firstFailure(answers)) as never;
          }
          open = false;
          if (!begun && statements.length === 0) return [] as never;
          if (!begun) {
            const synced = [
              ...(txOptions?.synchronousCommit === false ? [UNFLUSHED_IN_ONE_SYNC] : []),
              ...(txOptions?.genericPlans ? [GENERIC_PLANS_IN_ONE_SYNC] : []),
              ...sendable,
            ];
            if (sendableInOneSync(client, synced)) {
              const results = await new OneSyncQuery(synced).run(client);
              return results.slice(synced.length - statements.length).map((r) => r.rows) as never;
            }
          }
          const answers = corked(client, () => {
            begin();
            return [...sendable.map((s) => send(s)), client.query("COMMIT")];
          });
          const rows = await firstFailure(answers);
          requireCommitted((rows.pop() as pg.QueryResult).command);
          return rows as never;
        },
        async queryAndCommit<R>(sql: string, params?: readonly unknown[]) {
          const [rows] = await tx.batch([{ sql, params: params ?? [] }], { commit: true });
          return rows as R[];
        },
        async exec(sql) {
          requireOpen(open);
          // Text without values: the simple query protocol, which takes several statements.
          await corked(client, () => {
            begin();
            return client.query(sql);
          });
        },
      };
      try {
        const result = await fn(tx);
        await begun;
        if (open) {
          open = false;
          // Nothing was sent: nothing to commit.
          if (begun) requireCommitted((await client.query("COMMIT")).command);
        }
        return result;
      } catch (err) {
        // The server ending the session (pg_terminate_backend, a shutdown) answers the running
        // query with a FATAL error before the socket closes and 'error' is emitted: released
        // as sound, the connection went to the pool's next caller, whose query then failed.
        if (endsSession(err)) broken ??= err as Error;
        if (open && begun) {
          open = false;
          await client.query("ROLLBACK").catch((rollbackErr: Error) => {
            broken ??= rollbackErr;
          });
        }
        throw err;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * One connection that LISTENs on every subscribed channel and reconnects with backoff when the
 * server goes away (restarts, failover). Callers also poll, so a gap only adds latency.
 */
class NotificationListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;
  private backoffMs = 100;

  constructor(
    private readonly url: string,
    private readonly logger?: Logger,
  ) {}

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    const isNew = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(onNotify);
    await this.ensureConnected();
    if (isNew && this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      set.delete(onNotify);
      if (set.size === 0) {
        this.handlers.delete(channel);
        await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  private ensureConnected(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (msg) => {
      for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? "");
    });
    client.on("error", (err) => {
      this.logger?.warn({ err: err.message }, "LISTEN connection lost; reconnecting");
      this.dropAndReconnect(client);
    });
    client.on("end", () => this.dropAndReconnect(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.client = client;
    this.backoffMs = 100;
  }

  private dropAndReconnect(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    const retry = () => {
      if (this.closed) return;
      this.ensureConnected().catch(() => {
        this.backoffMs = Math.min(this.backoffMs * 2, 5000);
        setTimeout(retry, this.backoffMs).unref();
      });
    };
    setTimeout(retry, this.backoffMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Runs `issue` with the connection's socket corked, so the queries it issues leave in one write
 * (one system call and one packet instead of one per statement).
 */
function corked<T>(client: pg.PoolClient, issue: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } })
    .connection?.stream;
  stream?.cork?.();
  try {
    return issue();
  } finally {
    stream?.uncork?.();
  }
}

/** Whether `err` is the server's notice that it ended the session (severity FATAL or PANIC). */
function endsSession(err: unknown): boolean {
  const severity = (err as { severity?: unknown } | null)?.severity;
  return severity === "FATAL" || severity === "PANIC";
}

/** Waits for every answer (none is left unhandled) and throws the first failure, in order. */
async function firstFailure(answers: readonly Promise<unknown>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(answers);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
}

/**
 * The transaction options' settings for a transaction sent as one call (OneSyncQuery): `set_config`
 * as a statement of the call, local to its implicit transaction (`SET LOCAL` warns outside a
 * transaction block).
 */
const GENERIC_PLANS_IN_ONE_SYNC = prepared("SELECT set_config('plan_cache_mode', $1, true)", [
  "force_generic_plan",
]);
const UNFLUSHED_IN_ONE_SYNC = prepared("SELECT set_config('synchronous_commit', $1, true)", ["off"]);

/**
 * Every parameterised statement runs as a named prepared statement (see statementName). Its values
 * are converted here, so a value that cannot be sent throws before a transaction's statements
 * leave (see wireValues).
 */
function prepared(sql: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  const name = statementName(sql, params);
  if (name === "") return { text: sql };
  return { name, text: sql, values: wireValues(params ?? []) };
}
