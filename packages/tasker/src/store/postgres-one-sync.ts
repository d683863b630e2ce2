import pg from "pg";

/** A statement as `prepared` makes it: named (with values) or unnamed (text only). */
export interface SyncedStatement {
  name?: string | undefined;
  text: string;
  values?: unknown[] | undefined;
}

/** The parts of pg's Connection this uses (not in its types). */
interface WireConnection {
  stream: { cork?(): void; uncork?(): void };
  parsedStatements: Record<string, string>;
  parse(query: { text: string; name: string }): void;
  bind(config: { statement: string; values: unknown[]; valueMapper: unknown }): void;
  describe(msg: { type: "P"; name: string }): void;
  execute(config: { portal: string }): void;
  sync(): void;
}

const prepareValue = (pg as unknown as { utils?: { prepareValue?: (value: unknown) => unknown } }).utils
  ?.prepareValue;

/**
 * `values` as pg writes them (text, Buffer or null). pg converts a value only while it writes the
 * statement, and one it cannot convert (a bigint inside an object) then throws with the statements
 * before it already sent, and a COMMIT behind them still sent; converted first, such a value fails
 * the call before anything leaves. pg's own conversion of the result changes nothing.
 */
export function wireValues(values: readonly unknown[]): unknown[] {
  return prepareValue ? values.map((v) => prepareValue(v)) : [...values];
}

/**
 * Whether `statements` can go as one synced call on this connection: each is unnamed (parsed with
 * the call) or already parsed on it. A named statement not parsed yet would be parsed in the call,
 * and after a failure the connection could not tell which of them the server kept.
 */
export function sendableInOneSync(client: pg.PoolClient, statements: readonly SyncedStatement[]): boolean {
  const parsed = (client as unknown as { connection?: WireConnection }).connection?.parsedStatements;
  if (!parsed || typeof prepareValue !== "function") return false;
  return statements.every((s) => !s.name || parsed[s.name] === s.text);
}

/**
 * Statements sent behind one Sync: PostgreSQL runs them as one implicit transaction that the Sync
 * commits, or rolls back at the first failure (the server skips the rest), and answers with one
 * ReadyForQuery. A transaction sent as one call so needs no BEGIN and COMMIT, and the server wakes
 * and flushes its answers once instead of once per statement. Its answer is one pg result per
 * statement, in order. A subclass of pg's Query, as the pipelined client takes no other kind.
 */
export class OneSyncQuery extends pg.Query {
  constructor(private readonly statements: readonly SyncedStatement[]) {
    super({ text: statements.map((s) => s.text).join(";\n") });
  }

  override submit = (connection: unknown): Error | null => {
    const con = connection as WireConnection;
    // Every value converted before the first message is written: a throw after it would leave the
    // statements before it on the connection without their Sync.
    let values: unknown[][];
    try {
      values = this.statements.map((s) => wireValues(s.values ?? []));
    } catch (err) {
      return err as Error;
    }
    con.stream.cork?.();
    try {
      for (const [i, s] of this.statements.entries()) {
        if (!s.name) con.parse({ text: s.text, name: "" });
        con.bind({ statement: s.name ?? "", values: values[i]!, valueMapper: prepareValue });
        con.describe({ type: "P", name: "" });
        con.execute({ portal: "" });
      }
      con.sync();
    } finally {
      con.stream.uncork?.();
    }
    return null;
  };

  /** Each statement's result, in order. */
  run(client: pg.PoolClient): Promise<pg.QueryResult[]> {
    return new Promise((resolve, reject) => {
      (this as unknown as { callback: (err: Error | null, res: unknown) => void }).callback = (err, res) => {
        if (err) reject(err);
        else resolve(Array.isArray(res) ? res : [res as pg.QueryResult]);
      };
      client.query(this);
    });
  }
}
