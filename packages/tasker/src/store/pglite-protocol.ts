import { createRequire } from "node:module";
import { type messages, protocol, types } from "@electric-sql/pglite";
import { statementName } from "./statement-name.js";

// node-postgres's own conversion of a parameter (not in its typings, nor in its ESM entry).
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(value: unknown): string | Uint8Array | null;
};

// The extended query protocol for PGlite, written out so that a statement, a batch or a statement
// and its COMMIT cost ONE call into the WASM backend (`PGlite.query()` makes six, one per message,
// and parses and plans the statement every time).

/** What a statement's rows look like: its RowDescription (empty when it returns none). */
export type Fields = readonly Pick<messages.Field, "name" | "dataTypeID">[];

/**
 * The named prepared statements of one PGlite instance. PGlite has a single backend session, so
 * what it has parsed is known here; a new instance (a reopened database) starts with a new cache.
 */
export class PreparedStatements {
  /** Names parsed on the backend, with their rows' description once one run has described them. */
  private readonly parsed = new Map<string, Fields | undefined>();

  isParsed(name: string): boolean {
    return this.parsed.has(name);
  }
  markParsed(name: string): void {
    if (!this.parsed.has(name)) this.parsed.set(name, undefined);
  }
  fields(name: string): Fields | undefined {
    return this.parsed.get(name);
  }
  setFields(name: string, fields: Fields): void {
    if (this.parsed.has(name)) this.parsed.set(name, fields);
  }
}

/** One parameterised statement of a call. */
export interface ProtocolStatement {
  sql: string;
  params?: readonly unknown[] | undefined;
}

/** A call's messages, and what the answers to it need to be read back. */
export interface EncodedCall {
  message: Uint8Array;
  /** Per statement: its prepared name ("" = unnamed), and its rows' description if known (not asked). */
  plan: { name: string; cachedFields: Fields | undefined }[];
  /**
   * The statement name of each Parse this call sends, in the order sent ("" = unnamed): the
   * backend answers each that ran with a ParseComplete, and runs none after the first error.
   */
  parses: string[];
}

export interface CallOptions {
  /** A simple-query `BEGIN` sent before the statements. */
  begin?: boolean;
  /** Simple queries sent right after the `BEGIN` (`SET LOCAL ...`), answered before the statements. */
  settings?: readonly string[];
  /**
   * A simple query sent after the statements' Sync that ends the transaction: a `COMMIT` commits,
   * or, when a statement failed, ends the failed transaction (its tag is then "ROLLBACK").
   */
  end?: "COMMIT" | "ROLLBACK";
}

/**
 * Parameters go as node-postgres sends them: text with type OID 0 (the SQL casts them), JSON for
 * objects, PostgreSQL array literals for arrays, a local timestamp with its offset for a Date,
 * bytes as binary; null and undefined are NULL.
 */
export function serializeParams(params: readonly unknown[] | undefined): (string | Uint8Array | null)[] {
  return (params ?? []).map((value) => prepareValue(value));
}

/**
 * The messages for `statements` in one buffer: per statement [Parse] Bind [Describe] Execute, one
 * Sync after them all (the backend skips to it after the first error, so nothing after a failed
 * statement runs), wrapped in `BEGIN` / `COMMIT` when asked.
 */
export function encodeCall(
  statements: readonly ProtocolStatement[],
  prepared: PreparedStatements,
  options: CallOptions = {},
): EncodedCall {
  const parts: Uint8Array[] = [];
  const plan: EncodedCall["plan"] = [];
  const parses: string[] = [];
  if (options.begin) {
    parts.push(protocol.serialize.query("BEGIN"));
    for (const setting of options.settings ?? []) parts.push(protocol.serialize.query(setting));
  }
  for (const s of statements) {
    const name = statementName(s.sql, s.params);
    if (name === "" || (!prepared.isParsed(name) && !parses.includes(name))) {
      parts.push(protocol.serialize.parse({ name, text: s.sql }));
      parses.push(name);
    }
    parts.push(protocol.serialize.bind({ statement: name, values: serializeParams(s.params) }));
    const cachedFields = name === "" ? undefined : prepared.fields(name);
    if (cachedFields === undefined) parts.push(protocol.serialize.describe({ type: "P" }));
    parts.push(protocol.serialize.execute({}));
    plan.push({ name, cachedFields });
  }
  if (statements.length > 0) parts.push(protocol.serialize.sync());
  if (options.end) parts.push(protocol.serialize.query(options.end));
  return { message: concat(parts), plan, parses };
}

/** A failure the backend reported, with the statement it came from (as `PGlite.query()` adds). */
export interface StatementError extends messages.DatabaseError {
  query?: string;
  params?: readonly unknown[];
}

export interface DecodedCall {
  /** Each statement's rows, parsed as `PGlite.query()` parses them. */
  rows: Record<string, unknown>[][];
  /** The first error of the call, if any (the statements after it did not run). */
  error?: StatementError;
  /** The command tag of `options.end`: "COMMIT", or "ROLLBACK" when the transaction had failed. */
  endTag?: string;
}

/**
 * Reads the answers to an {@link encodeCall} call: the rows of each statement, the first error,
 * and the tag of the command that ended the transaction. Records in `prepared` what the backend
 * has parsed (only the Parses before the first error ran) and each statement's row description.
 */
export function decodeCall(
  call: EncodedCall,
  statements: readonly ProtocolStatement[],
  answers: readonly messages.BackendMessage[],
  prepared: PreparedStatements,
  parsers: Record<number | string, types.Parser>,
  options: CallOptions = {},
): DecodedCall {
  let at = 0;
  const parseCompletes = answers.filter((m) => m.name === "parseComplete").length;
  for (const name of call.parses.slice(0, parseCompletes)) if (name !== "") prepared.markParsed(name);
  const error = answers.find((m): m is messages.DatabaseError => m.name === "error");
  if (error) {
    const failed = failedStatement(answers.indexOf(error), answers, statements, options);
    if (failed) Object.assign(error, { query: failed.sql, params: failed.params });
  }
  for (let i = 0; i < leadingCommands(options); i++) at = skipPast(answers, at, "commandComplete");
  const rows: Record<string, unknown>[][] = [];
  for (let i = 0; i < call.plan.length && !error; i++) {
    const step = call.plan[i] as EncodedCall["plan"][number];
    let fields: Fields = step.cachedFields ?? [];
    const out: Record<string, unknown>[] = [];
    for (; at < answers.length; at++) {
      const m = answers[at] as messages.BackendMessage;
      if (m.name === "rowDescription") {
        fields = (m as messages.RowDescriptionMessage).fields;
        if (step.name)
          prepared.setFields(
            step.name,
            fields.map(({ name, dataTypeID }) => ({ name, dataTypeID })),
          );
      } else if (m.name === "noData") {
        fields = [];
        if (step.name) prepared.setFields(step.name, []);
      } else if (m.name === "dataRow") {
        out.push(parseRow((m as messages.DataRowMessage).fields, fields, parsers));
      } else if (m.name === "commandComplete" || m.name === "emptyQuery" || m.name === "portalSuspended") {
        at++;
        break;
      }
    }
    rows.push(out);
  }
  let endTag: string | undefined;
  if (options.end) {
    // The last command of the call: its tag is the last CommandComplete.
    const last = answers.findLast((m) => m.name === "commandComplete") as
      | messages.CommandCompleteMessage
      | undefined;
    endTag = last?.text;
  }
  return { rows, ...(error && { error }), ...(endTag !== undefined && { endTag }) };
}

/** A data row as `PGlite.query()` returns it: an object keyed by column name, in column order. */
function parseRow(
  values: readonly (string | null)[],
  fields: Fields,
  parsers: Record<number | string, types.Parser>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < values.length; i++) {
    const field = fields[i] as Fields[number];
    row[field.name] = types.parseType(values[i] ?? null, field.dataTypeID, parsers);
  }
  return row;
}

/** The statement whose failure answer `errorAt` is: the one after the last that completed. */
function failedStatement(
  errorAt: number,
  answers: readonly messages.BackendMessage[],
  statements: readonly ProtocolStatement[],
  options: CallOptions,
): ProtocolStatement | undefined {
  let completed = 0;
  for (let i = 0; i < errorAt; i++) {
    const name = (answers[i] as messages.BackendMessage).name;
    if (name === "commandComplete" || name === "emptyQuery" || name === "portalSuspended") completed++;
  }
  return statements[completed - leadingCommands(options)];
}

/** The simple queries sent before the statements (BEGIN and its settings): one CommandComplete each. */
function leadingCommands(options: CallOptions): number {
  return options.begin ? 1 + (options.settings?.length ?? 0) : 0;
}

function skipPast(answers: readonly messages.BackendMessage[], from: number, name: string): number {
  for (let at = from; at < answers.length; at++)
    if ((answers[at] as messages.BackendMessage).name === name) return at + 1;
  return answers.length;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
