import { createRequire } from "node:module";
import { messages, types } from "@electric-sql/pglite";
import { statementName } from "./statement-name.js";

// node-postgres's own conversion of a parameter (not in its typings, nor in its ESM entry).
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(value: unknown): string | Uint8Array | null;
};

// The extended query protocol for PGlite, written out so that a statement, a batch or a statement
// and its COMMIT cost ONE call into the WASM backend (`PGlite.query()` makes six, one per message,
// and parses and plans the statement every time). Both directions are done here, not by PGlite's
// serializer and parser: the frontend messages are written straight into one buffer (the fixed
// ones, Sync, Execute, Describe and BEGIN/COMMIT, are made once), and the answers arrive as raw
// bytes, read once, with only what the caller needs decoded. PGlite's own parser copied every
// field of every answer into a new ArrayBuffer before decoding it, and its serializer cost as much
// again (bench/LOG.md, "PGlite speaks the protocol itself").

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
  /** false: sent unnamed, parsed on every run (SQL whose texts are not a small fixed set). */
  prepare?: boolean;
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

/**
 * Without `begin` and `end`, a call's statements are one transaction of their own: the backend
 * commits them at the Sync, or rolls them all back after the first error (the commit's own failure
 * is an error too).
 */
export interface CallOptions {
  /**
   * Simple queries sent first, each its own transaction (`SET` of a session setting), answered
   * before anything else: outside the call's transaction, a rollback cannot undo them.
   */
  session?: readonly string[];
  /** A simple-query `BEGIN` sent before the statements. */
  begin?: boolean;
  /**
   * A script (statements without parameters) sent as one simple query after the `BEGIN`, in a call
   * without statements (its rows and commands are not counted as theirs).
   */
  script?: string;
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
  return (params ?? []).map((value) => (Array.isArray(value) && textArray(value)) || prepareValue(value));
}

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A flat array of strings (and nulls) as node-postgres writes it, `{"a","b\\"c",NULL}`, or
 * undefined for any other array (node-postgres then writes it). The engine's array parameters are
 * uuids and JSON texts: this skips pg's two regex replaces per element when there is nothing to escape.
 */
function textArray(values: readonly unknown[]): string | undefined {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    if (v === null || v === undefined) out += "NULL";
    else if (typeof v !== "string") return undefined;
    else if (NEEDS_ESCAPE.test(v)) out += `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    else out += `"${v}"`;
  }
  return `${out}}`;
}

/** Writes frontend messages into one growing buffer. */
class MessageWriter {
  private buf = Buffer.allocUnsafe(4096);
  private at = 0;

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
  }
  byte(v: number): void {
    this.ensure(1);
    this.buf[this.at++] = v;
  }
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.at);
    this.at += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.at);
    this.at += 4;
  }
  /** A string's UTF-8 bytes; returns how many. */
  string(v: string): number {
    this.ensure(v.length * 3);
    const n = this.buf.write(v, this.at, "utf8");
    this.at += n;
    return n;
  }
  /** A parameter value: its byte length, then its UTF-8 bytes. */
  text(v: string): void {
    const start = this.at;
    this.int32(0);
    const length = this.string(v); // first: it may move the buffer
    this.buf.writeInt32BE(length, start);
  }
  cstring(v: string): void {
    this.string(v);
    this.byte(0);
  }
  /** Starts a message of type `code`; `end(start)` fills in its length. */
  begin(code: string): number {
    this.byte(code.charCodeAt(0));
    const start = this.at;
    this.int32(0);
    return start;
  }
  end(start: number): void {
    this.buf.writeInt32BE(this.at - start, start);
  }
  /** A copy of what was written (the call's message). */
  take(): Uint8Array {
    // Not zero-filled (every byte is written next), and small calls' from Node's shared pool.
    const out = Buffer.allocUnsafe(this.at);
    this.buf.copy(out, 0, 0, this.at);
    this.at = 0;
    return out;
  }
}

function fixed(code: string, write: (w: MessageWriter) => void = () => undefined): Uint8Array {
  const w = new MessageWriter();
  const start = w.begin(code);
  write(w);
  w.end(start);
  return w.take();
}
const SYNC = fixed("S");
/** Execute the unnamed portal, all rows. */
const EXECUTE = fixed("E", (w) => {
  w.cstring("");
  w.int32(0);
});
/** Describe the unnamed portal. */
const DESCRIBE_PORTAL = fixed("D", (w) => {
  w.byte("P".charCodeAt(0));
  w.cstring("");
});
/** Simple queries sent as they are (BEGIN, COMMIT, settings): few and fixed, made once each. */
const simpleQueries = new Map<string, Uint8Array>();
function simpleQuery(sql: string): Uint8Array {
  let m = simpleQueries.get(sql);
  if (!m) {
    m = fixed("Q", (w) => w.cstring(sql));
    if (simpleQueries.size < 100) simpleQueries.set(sql, m);
  }
  return m;
}

const writer = new MessageWriter();

/**
 * The messages for `statements` in one buffer: the session settings asked for, then `BEGIN` when
 * asked, then the script, then per statement [Parse] Bind [Describe] Execute, one Sync after them all (the backend
 * skips to it after the first error, so nothing after a failed statement runs), then the `end`.
 */
export function encodeCall(
  statements: readonly ProtocolStatement[],
  prepared: PreparedStatements,
  options: CallOptions = {},
): EncodedCall {
  const plan: EncodedCall["plan"] = [];
  const parses: string[] = [];
  // Every value first: one that cannot be written (a bigint inside an object) then throws before a
  // byte is, instead of leaving this call's first messages in the writer for the next call to send.
  const values = statements.map((s) => serializeParams(s.params));
  for (const setting of options.session ?? []) writer.bytes(simpleQuery(setting));
  if (options.begin) writer.bytes(simpleQuery("BEGIN"));
  if (options.script !== undefined) writeSimpleQuery(options.script);
  for (const [i, s] of statements.entries()) {
    const name = s.prepare === false ? "" : statementName(s.sql, s.params);
    if (name === "" || (!prepared.isParsed(name) && !parses.includes(name))) {
      const at = writer.begin("P");
      writer.cstring(name);
      writer.cstring(s.sql);
      writer.int16(0); // no parameter types: the SQL casts them
      writer.end(at);
      parses.push(name);
    }
    writeBind(name, values[i]!);
    const cachedFields = name === "" ? undefined : prepared.fields(name);
    if (cachedFields === undefined) writer.bytes(DESCRIBE_PORTAL);
    writer.bytes(EXECUTE);
    plan.push({ name, cachedFields });
  }
  if (statements.length > 0) writer.bytes(SYNC);
  if (options.end) writer.bytes(simpleQuery(options.end));
  return { message: writer.take(), plan, parses };
}

/** A simple query (one or more commands, no parameters) as one call: migrations, LISTEN. */
export function encodeSimpleQuery(sql: string): Uint8Array {
  writeSimpleQuery(sql);
  return writer.take();
}

function writeSimpleQuery(sql: string): void {
  const at = writer.begin("Q");
  writer.cstring(sql);
  writer.end(at);
}

/** Bind of the unnamed portal: text parameters (binary for bytes), all result columns as text. */
function writeBind(statement: string, values: readonly (string | Uint8Array | null)[]): void {
  const at = writer.begin("B");
  writer.byte(0); // the unnamed portal
  writer.cstring(statement);
  const binary = values.some((v) => v instanceof Uint8Array);
  if (binary) {
    writer.int16(values.length);
    for (const v of values) writer.int16(v instanceof Uint8Array ? 1 : 0);
  } else {
    writer.int16(0); // every parameter text
  }
  writer.int16(values.length);
  for (const v of values) {
    if (v === null) {
      writer.int32(-1);
    } else if (v instanceof Uint8Array) {
      writer.int32(v.byteLength);
      writer.bytes(v);
    } else {
      writer.text(v);
    }
  }
  writer.int16(0); // results: every column text
  writer.end(at);
}

/** A failure the backend reported, with the statement it came from (as `PGlite.query()` adds). */
export interface StatementError extends messages.DatabaseError {
  query?: string;
  params?: readonly unknown[];
}

/** A NOTIFY delivered with a call's answers. */
export interface Notification {
  channel: string;
  payload: string;
}

export interface DecodedCall {
  /** Each statement's rows, parsed as `PGlite.query()` parses them (objects, or arrays if asked). */
  rows: Record<string, unknown>[][];
  /** Each statement's command tag (`INSERT 0 1`, `SELECT 3`), for the rows a write touched. */
  tags: string[];
  /** Each statement's columns. */
  fields: Fields[];
  /** The first error of the call, if any (the statements after it did not run). */
  error?: StatementError;
  /** The command tag of `options.end`: "COMMIT", or "ROLLBACK" when the transaction had failed. */
  endTag?: string;
  /** The NOTIFYs among the answers, in order (a transaction's arrive with its COMMIT). */
  notifications: Notification[];
}

/**
 * The backend's answers to one call, as the raw bytes it wrote (PGlite hands them over in pieces,
 * as views of its memory: each is copied in once). One per database: calls run one at a time.
 */
export class Answers {
  buf = Buffer.allocUnsafe(16384);
  length = 0;

  /** For `execProtocolRawStream`'s onRawData. */
  readonly append = (bytes: Uint8Array): void => {
    if (this.length + bytes.byteLength > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.length + bytes.byteLength) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.byteLength;
  };

  reset(): void {
    this.length = 0;
    // A rare huge answer (a big export) does not stay allocated.
    if (this.buf.length > 1 << 22) this.buf = Buffer.allocUnsafe(16384);
  }
}

/** The message types the decoder looks at (backend messages, protocol 3.0). */
const T = {
  parseComplete: 0x31, // '1'
  rowDescription: 0x54, // 'T'
  noData: 0x6e, // 'n'
  dataRow: 0x44, // 'D'
  commandComplete: 0x43, // 'C'
  emptyQuery: 0x49, // 'I'
  portalSuspended: 0x73, // 's'
  error: 0x45, // 'E'
  notification: 0x41, // 'A'
} as const;

/**
 * How a call's rows are read: objects keyed by column name (the engine's), or arrays in column
 * order with each statement's columns beside them (`PGlite.query()`'s `rowMode: "array"`, which an
 * ORM needs when two columns share a name).
 */
export type RowShape = "objects" | "arrays";

/**
 * Reads the answers to an {@link encodeCall} call: the rows of each statement, the first error,
 * the tag of the command that ended the transaction and the NOTIFYs. Records in `prepared` what
 * the backend has parsed (only the Parses before the first error ran) and each statement's row
 * description.
 */
export function decodeCall(
  call: EncodedCall,
  statements: readonly ProtocolStatement[],
  answers: Answers,
  prepared: PreparedStatements,
  parsers: Record<number | string, types.Parser>,
  options: CallOptions = {},
  shape: RowShape = "objects",
): DecodedCall {
  const buf = answers.buf;
  const end = answers.length;
  const rows: Record<string, unknown>[][] = [];
  const tags: string[] = [];
  const columns: Fields[] = [];
  const arrays = shape === "arrays";
  const notifications: Notification[] = [];
  let error: StatementError | undefined;
  let endTag: string | undefined;
  let parseCompletes = 0;
  /** CommandCompletes (and EmptyQuery, PortalSuspended) so far: the leading commands', then one per statement. */
  let completed = 0;
  const leading = leadingCommands(options);
  let fields: Fields = leading === 0 ? (call.plan[0]?.cachedFields ?? []) : [];
  let out: Record<string, unknown>[] = [];
  for (let at = 0; at + 5 <= end; ) {
    const type = buf[at] as number;
    const next = at + 1 + buf.readInt32BE(at + 1);
    const body = at + 5;
    at = next;
    if (type === T.dataRow) {
      const statement = completed - leading;
      if (!error && statement >= 0 && statement < call.plan.length)
        out.push(readRow(buf, body, fields, parsers, arrays) as Record<string, unknown>);
      continue;
    }
    if (type === T.notification) {
      const channelAt = body + 4;
      const channelEnd = buf.indexOf(0, channelAt);
      notifications.push({
        channel: buf.toString("utf8", channelAt, channelEnd),
        payload: buf.toString("utf8", channelEnd + 1, buf.indexOf(0, channelEnd + 1)),
      });
      continue;
    }
    if (type === T.error) {
      if (!error) {
        error = readError(buf, body, next);
        const failed = statements[completed - leading];
        if (failed) Object.assign(error, { query: failed.sql, params: failed.params });
      }
      continue;
    }
    if (type === T.parseComplete) {
      parseCompletes++;
      continue;
    }
    const statement = completed - leading;
    const step = call.plan[statement];
    if (type === T.rowDescription) {
      fields = readFields(buf, body);
      if (step?.name) prepared.setFields(step.name, fields);
    } else if (type === T.noData) {
      fields = [];
      if (step?.name) prepared.setFields(step.name, fields);
    } else if (type === T.commandComplete || type === T.emptyQuery || type === T.portalSuspended) {
      const tag = type === T.commandComplete ? buf.toString("utf8", body, next - 1) : "";
      if (type === T.commandComplete) endTag = tag;
      if (statement >= 0 && statement < call.plan.length && !error) {
        rows.push(out);
        tags.push(tag);
        columns.push(fields);
        out = [];
        // The next statement starts with its cached description, if it has one.
        fields = call.plan[statement + 1]?.cachedFields ?? [];
      }
      completed++;
      if (completed === leading) fields = call.plan[0]?.cachedFields ?? [];
    }
  }
  for (const name of call.parses.slice(0, parseCompletes)) if (name !== "") prepared.markParsed(name);
  return {
    rows,
    tags,
    fields: columns,
    ...(error && { error }),
    // The last command of the call: its tag is the last CommandComplete.
    ...(options.end && endTag !== undefined && { endTag }),
    notifications,
  };
}

/** A simple query's answers: its first error and its NOTIFYs. */
export function decodeSimpleQuery(answers: Answers): {
  error?: StatementError;
  notifications: Notification[];
} {
  const { error, notifications } = decodeCall(
    { message: new Uint8Array(), plan: [], parses: [] },
    [],
    answers,
    new PreparedStatements(),
    {},
  );
  return { ...(error && { error }), notifications };
}

function readFields(buf: Buffer, body: number): Fields {
  const count = buf.readInt16BE(body);
  const fields: { name: string; dataTypeID: number }[] = [];
  let at = body + 2;
  for (let i = 0; i < count; i++) {
    const nameEnd = buf.indexOf(0, at);
    const name = buf.toString("utf8", at, nameEnd);
    at = nameEnd + 1;
    // table oid (4), column number (2), type oid (4), type size (2), type modifier (4), format (2)
    const dataTypeID = buf.readInt32BE(at + 6);
    at += 18;
    fields.push({ name, dataTypeID });
  }
  return fields;
}

/**
 * A data row as `PGlite.query()` returns it: an object keyed by column name, in column order, or
 * with `arrays` (`rowMode: "array"`) the values in column order.
 */
function readRow(
  buf: Buffer,
  body: number,
  fields: Fields,
  parsers: Record<number | string, types.Parser>,
  arrays: boolean,
): Record<string, unknown> | unknown[] {
  const count = buf.readInt16BE(body);
  // Filled by column number or by name: one loop for both shapes.
  const row = (arrays ? new Array(count) : {}) as Record<string | number, unknown>;
  let at = body + 2;
  for (let i = 0; i < count; i++) {
    const length = buf.readInt32BE(at);
    at += 4;
    const field = fields[i] as Fields[number];
    const key = arrays ? i : field.name;
    if (length === -1) {
      row[key] = types.parseType(null, field.dataTypeID, parsers);
    } else {
      row[key] = types.parseType(buf.toString("utf8", at, at + length), field.dataTypeID, parsers);
      at += length;
    }
  }
  return row;
}

/** An ErrorResponse as PGlite's parser makes it: a `DatabaseError` with the backend's fields. */
function readError(buf: Buffer, body: number, next: number): StatementError {
  const f: Record<string, string> = {};
  for (let at = body; at < next && buf[at] !== 0; ) {
    const code = String.fromCharCode(buf[at] as number);
    const valueEnd = buf.indexOf(0, at + 1);
    f[code] = buf.toString("utf8", at + 1, valueEnd);
    at = valueEnd + 1;
  }
  const err = new messages.DatabaseError(f.M ?? "", next - body + 4, "error") as StatementError;
  err.severity = f.S;
  err.code = f.C;
  err.detail = f.D;
  err.hint = f.H;
  err.position = f.P;
  err.internalPosition = f.p;
  err.internalQuery = f.q;
  err.where = f.W;
  err.schema = f.s;
  err.table = f.t;
  err.column = f.c;
  err.dataType = f.d;
  err.constraint = f.n;
  err.file = f.F;
  err.line = f.L;
  err.routine = f.R;
  return err;
}

/** The simple queries sent before the statements (settings, BEGIN): one CommandComplete each. */
function leadingCommands(options: CallOptions): number {
  return (options.session?.length ?? 0) + (options.begin ? 1 : 0);
}
