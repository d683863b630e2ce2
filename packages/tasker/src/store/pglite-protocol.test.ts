import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database, Statement } from "./database.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { encodeCall, PreparedStatements, serializeParams } from "./pglite-protocol.js";
import { statementName } from "./statement-name.js";

const { prepareValue: pgPrepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(value: unknown): unknown;
};

/** The message type bytes of a frontend buffer, in order ("P" Parse, "B" Bind, "S" Sync...). */
function messageTypes(buffer: Uint8Array): string {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let out = "";
  for (let at = 0; at < buffer.byteLength; at += 1 + view.getInt32(at + 1))
    out += String.fromCharCode(buffer[at] ?? 0);
  return out;
}

describe("encodeCall", () => {
  const sql = "SELECT $1::int AS n";

  it("parses a statement the first time only, describes it until its rows are known, syncs once", () => {
    const prepared = new PreparedStatements();
    const first = encodeCall([{ sql, params: [1] }], prepared);
    expect(messageTypes(first.message)).toBe("PBDES");
    expect(first.parses).toEqual([statementName(sql, [1])]);
    // Parsed, not yet described: Bind, Describe, Execute.
    prepared.markParsed(statementName(sql, [1]));
    expect(messageTypes(encodeCall([{ sql, params: [2] }], prepared).message)).toBe("BDES");
    prepared.setFields(statementName(sql, [1]), [{ name: "n", dataTypeID: 23 }]);
    expect(messageTypes(encodeCall([{ sql, params: [3] }], prepared).message)).toBe("BES");
  });

  it("sends a batch with one Sync, the same new statement parsed once, BEGIN before and COMMIT after", () => {
    const call = encodeCall(
      [
        { sql, params: [1] },
        { sql, params: [2] },
        { sql: "SELECT 1", params: [] },
      ],
      new PreparedStatements(),
      { begin: true, end: "COMMIT" },
    );
    expect(messageTypes(call.message)).toBe("Q" + "PBDE" + "BDE" + "PBDE" + "S" + "Q");
    expect(call.plan.map((p) => p.name)).toEqual([statementName(sql, [1]), statementName(sql, [1]), ""]);
    expect(call.parses).toEqual([statementName(sql, [1]), ""]);
  });

  it("writes parameters of any size, in bytes not characters, and binary ones as binary", () => {
    const big = "é".repeat(5000); // 10,000 bytes: more than the writer's first buffer
    const call = encodeCall([{ sql, params: [big, Buffer.from([7, 8])] }], new PreparedStatements());
    const m = Buffer.from(call.message);
    const bindAt = m.indexOf("B".charCodeAt(0), 1 + m.readInt32BE(1));
    const body = bindAt + 5;
    const afterNames = m.indexOf(0, m.indexOf(0, body) + 1) + 1; // portal "", then the statement name
    expect(m.readInt16BE(afterNames)).toBe(2); // two format codes: text, binary
    expect([m.readInt16BE(afterNames + 2), m.readInt16BE(afterNames + 4)]).toEqual([0, 1]);
    expect(m.readInt16BE(afterNames + 6)).toBe(2);
    expect(m.readInt32BE(afterNames + 8)).toBe(10_000);
    expect(m.toString("utf8", afterNames + 12, afterNames + 12 + 10_000)).toBe(big);
    expect(m.readInt32BE(afterNames + 12 + 10_000)).toBe(2);
    expect([...m.subarray(afterNames + 16 + 10_000, afterNames + 18 + 10_000)]).toEqual([7, 8]);
    // The Bind's length covers exactly its body.
    expect(m.readInt32BE(bindAt + 1)).toBe(afterNames + 18 + 10_000 + 2 - bindAt - 1);
  });

  it("names statements like the PostgreSQL driver and leaves statements without parameters unnamed", () => {
    expect(statementName(sql, [1])).toMatch(/^tasker_[0-9a-f]{20}$/);
    expect(statementName(sql, [])).toBe("");
    expect(statementName(sql, undefined)).toBe("");
  });
});

describe("serializeParams", () => {
  it("converts values as node-postgres does", () => {
    const date = new Date("2026-01-02T03:04:05.678Z");
    const bytes = Buffer.from([1, 2]);
    const values = [null, undefined, 1, 10n, true, "x", date, ["a", null, 'q"'], { a: [1] }, bytes];
    expect(serializeParams(values)).toEqual([
      null,
      null,
      "1",
      "10",
      "true",
      "x",
      // A local time with its offset, as `pg` sends it.
      expect.stringMatching(/^2026-01-0\dT\d\d:\d\d:05\.678[+-]\d\d:\d\d$/),
      '{"a",NULL,"q\\""}',
      '{"a":[1]}',
      bytes,
    ]);
  });

  it("writes arrays of text exactly as node-postgres does, escapes included", () => {
    const arrays: unknown[][] = [
      [],
      ["0190b2d4-1c2e-7a3b-8c4d-5e6f7a8b9c0d", "x"],
      ['{"event":"task.completed","error":"a \\"quoted\\" \\\\ path"}', null, undefined, ""],
      ["back\\slash", 'quo"te', 'both\\"', "ünï©ødé 😀", "{,}"],
      // Not only text: node-postgres writes these.
      ["a", 1],
      ["a", ["b", 'c"']],
      [new Date(0), "a"],
      [Buffer.from([1]), "a"],
    ];
    for (const a of arrays) expect(serializeParams([a])).toEqual([pgPrepareValue(a)]);
  });
});

describe("PGlite driver", () => {
  let oldPath: PGlite;
  let db: Database;

  beforeAll(async () => {
    [oldPath, db] = await Promise.all([PGlite.create("memory://"), openPgliteDatabase("memory://")]);
    const ddl = "CREATE TABLE t (id int PRIMARY KEY, note text NOT NULL)";
    await Promise.all([oldPath.exec(ddl), db.exec(ddl)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([oldPath.close(), db.close()]);
  }, 60_000);
  afterEach(async () => {
    vi.restoreAllMocks();
    await db.query("DELETE FROM t WHERE id > $1", [-1]);
  });

  it("returns the same JS values as PGlite.query() for each type", async () => {
    const sql = `SELECT $1::int4 AS i4, $2::int8 AS i8, $3::bool AS b, $4::text AS t, $5::uuid AS u,
      $6::jsonb AS j, $7::timestamptz AS ts, $8::text[] AS ta, $9::uuid[] AS ua, $10::text AS nul,
      $11::int8 AS nul8, $12::jsonb AS nulj, now() - now() AS iv, 1.5::numeric AS num, 2.5::float8 AS f8`;
    const cases: unknown[][] = [
      [
        42,
        "9007199254740993",
        true,
        "héllo",
        "0b4e7c1a-5f3e-4d4a-9a43-2f6f0c1e2d3b",
        '{"a":[1,"x",null],"b":{"c":true}}',
        "2026-01-02T03:04:05.678Z",
        '{"a","b c",NULL}',
        "{0b4e7c1a-5f3e-4d4a-9a43-2f6f0c1e2d3b}",
        null,
        null,
        null,
      ],
      [
        -1,
        "1",
        false,
        "",
        "00000000-0000-0000-0000-000000000000",
        "[]",
        "1999-12-31 23:59:59+02",
        "{}",
        "{}",
        null,
        null,
        null,
      ],
    ];
    for (const params of cases) {
      const expected = (await oldPath.query(sql, params)).rows;
      // Twice: the first run parses and describes, the second uses the cached description.
      expect(await db.query(sql, params)).toEqual(expected);
      expect(await db.query(sql, params)).toEqual(expected);
    }
    const [row] = await db.query<Record<string, unknown>>(sql, cases[0] as unknown[]);
    expect(row?.ts).toBeInstanceOf(Date);
    expect(row?.j).toEqual({ a: [1, "x", null], b: { c: true } });
    expect(row?.ta).toEqual(["a", "b c", null]);
  });

  it("returns [] for a statement without rows, like PGlite.query()", async () => {
    const sql = "SELECT id FROM t WHERE id = $1";
    expect(await db.query(sql, [1])).toEqual((await oldPath.query(sql, [1])).rows);
    expect(await db.query("INSERT INTO t VALUES ($1, $2)", [1, "a"])).toEqual([]);
    expect(await db.query("UPDATE t SET note = $2 WHERE id = $1", [1, "b"])).toEqual([]);
    expect(await db.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("round-trips parameters and rows bigger than its buffers", async () => {
    const big = `${"é".repeat(40_000)}x`;
    const rows = await db.query<{ s: string; n: number }>(
      "SELECT $1::text AS s, length($1::text) AS n FROM generate_series(1, 3)",
      [big],
    );
    expect(rows).toEqual([1, 2, 3].map(() => ({ s: big, n: 40_001 })));
  });

  it("runs a script with exec, and throws its error", async () => {
    await db.exec("CREATE TEMP TABLE s (a int); INSERT INTO s VALUES (1), (2); SELECT * FROM s;");
    expect(await db.query("SELECT count(*)::int AS n FROM s WHERE a > $1", [0])).toEqual([{ n: 2 }]);
    await expect(db.exec("SELECT 1; SELEC 2")).rejects.toMatchObject({ code: "42601" });
    await db.exec("DROP TABLE s");
  });

  it("throws the backend's error with the statement it came from", async () => {
    await db.query("INSERT INTO t VALUES ($1, $2)", [1, "a"]);
    const err = await db.query("INSERT INTO t VALUES ($1, $2)", [1, "a"]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505", query: "INSERT INTO t VALUES ($1, $2)", params: [1, "a"] });
    // A statement that does not parse is not recorded as prepared: it fails the same way again.
    for (let i = 0; i < 2; i++)
      await expect(db.query("SELEC $1", [1])).rejects.toMatchObject({ code: "42601" });
  });

  it("sends a statement, a batch, and a statement with its COMMIT as one call each", async () => {
    const calls = vi.spyOn(PGlite.prototype, "execProtocolRawStream");
    await db.query("SELECT $1::int AS n", [1]);
    expect(calls).toHaveBeenCalledTimes(1);
    calls.mockClear();
    const rows = await db.transaction(async (tx) => {
      const [a, b] = await tx.batch([
        { sql: "INSERT INTO t VALUES ($1, $2) RETURNING id", params: [1, "a"] },
        { sql: "SELECT count(*)::int AS n FROM t WHERE id >= $1", params: [0] },
      ]);
      const c = await tx.queryAndCommit("SELECT note FROM t WHERE id = $1", [1]);
      return [a, b, c];
    });
    expect(rows).toEqual([[{ id: 1 }], [{ n: 1 }], [{ note: "a" }]]);
    // BEGIN + batch, then the statement + COMMIT.
    expect(calls).toHaveBeenCalledTimes(2);
    calls.mockClear();
    await db.transaction(async (tx) => tx.query("SELECT $1::int AS n", [1]));
    expect(calls).toHaveBeenCalledTimes(2); // BEGIN + statement, then COMMIT
    calls.mockClear();
    await db.transaction(async () => undefined);
    expect(calls).toHaveBeenCalledTimes(0); // nothing ran: nothing to begin or commit
  });

  it("fails a batch at its first error, runs nothing after it, and rolls the transaction back", async () => {
    const insert = "INSERT INTO t VALUES ($1, $2)";
    // Never run before: its Parse is skipped with the rest of the batch after the failure.
    const later = "INSERT INTO t (note, id) VALUES ($2, $1)";
    const err = await db
      .transaction((tx) =>
        tx.batch([
          { sql: insert, params: [1, "a"] },
          { sql: insert, params: [1, "duplicate"] },
          { sql: later, params: [2, "b"] },
        ]),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505", params: [1, "duplicate"] });
    expect(await db.query("SELECT id FROM t WHERE id >= $1", [0])).toEqual([]);
    // The skipped Parse was not taken for done: the statement still runs.
    await db.query(later, [2, "b"]);
    // Also after an unnamed statement's Parse ran and its execution failed.
    const third = "INSERT INTO t (id, note) SELECT $1, $2";
    await expect(
      db.transaction((tx) =>
        tx.batch([
          { sql: "SELECT 1/0", params: [] },
          { sql: third, params: [3, "c"] },
        ]),
      ),
    ).rejects.toMatchObject({ code: "22012" });
    await db.query(third, [3, "c"]);
    expect(await db.query("SELECT id, note FROM t WHERE id >= $1 ORDER BY id", [0])).toEqual([
      { id: 2, note: "b" },
      { id: 3, note: "c" },
    ]);
  });

  it("queryAndCommit: commits with the statement, or throws its error with the transaction over", async () => {
    const insert = "INSERT INTO t VALUES ($1, $2)";
    await db.transaction(async (tx) => {
      await tx.query(insert, [1, "a"]);
      await tx.queryAndCommit(insert, [2, "b"]);
      await expect(tx.query("SELECT 1")).rejects.toThrow(/already committed/);
    });
    const err = await db
      .transaction(async (tx) => {
        await tx.query(insert, [3, "c"]);
        return tx.queryAndCommit(insert, [1, "duplicate"]);
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505" });
    expect(await db.query("SELECT id FROM t WHERE id >= $1 ORDER BY id", [0])).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    // The session is usable, outside and inside a transaction.
    expect(
      await db.transaction((tx) => tx.query("SELECT count(*)::int AS n FROM t WHERE id >= $1", [0])),
    ).toEqual([{ n: 2 }]);
  });

  it("rolls back when the transaction's function throws", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ($1, $2)", [1, "a"]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.query("SELECT id FROM t WHERE id >= $1", [0])).toEqual([]);
  });

  it("delivers NOTIFY to listeners after the commit, not before", async () => {
    const got: string[] = [];
    const unlisten = await db.listen("pglite_protocol_test", (p) => got.push(p));
    await db.query("SELECT pg_notify($1, $2)", ["pglite_protocol_test", "plain"]);
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify($1, $2)", ["pglite_protocol_test", "in-tx"]);
      await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual(["plain"]);
      await tx.queryAndCommit("SELECT pg_notify($1, $2)", ["pglite_protocol_test", "with-commit"]);
    });
    await db.transaction(async (tx) => {
      await tx.batch([{ sql: "SELECT pg_notify($1, $2)", params: ["pglite_protocol_test", "batch"] }]);
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual(["plain", "in-tx", "with-commit", "batch"]);
    // A second listener on the channel hears it too; each unsubscribes alone; then nothing is heard.
    const second: string[] = [];
    const unlistenSecond = await db.listen("pglite_protocol_test", (p) => second.push(p));
    await db.query("SELECT pg_notify($1, $2)", ["pglite_protocol_test", "both"]);
    await unlisten();
    await db.query("SELECT pg_notify($1, $2)", ["pglite_protocol_test", "second only"]);
    await unlistenSecond();
    await db.query("SELECT pg_notify($1, $2)", ["pglite_protocol_test", "nobody"]);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual(["plain", "in-tx", "with-commit", "batch", "both"]);
    expect(second).toEqual(["both", "second only"]);
    expect(await db.query("SELECT pg_listening_channels() AS c")).toEqual([]);
  });

  it("does not LISTEN inside an open transaction (a rollback would drop it)", async () => {
    const got: string[] = [];
    let listening: Promise<() => Promise<void>> | undefined;
    await expect(
      db.transaction(async (tx) => {
        await tx.query("SELECT $1::int", [1]);
        listening = db.listen("pglite_protocol_tx", (p) => got.push(p));
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const unlisten = await (listening as Promise<() => Promise<void>>);
    await db.query("SELECT pg_notify($1, $2)", ["pglite_protocol_tx", "heard"]);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual(["heard"]);
    await unlisten();
  });

  it("never interleaves concurrent statements and transactions", async () => {
    const work = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? db.transaction(async (tx) => {
            await tx.query("INSERT INTO t VALUES ($1, $2)", [i, `n${i}`]);
            const [mine] = await tx.batch([
              { sql: "SELECT note FROM t WHERE id = $1", params: [i] } as Statement<{ note: string }>,
              { sql: "SELECT count(*)::int AS n FROM t WHERE id >= $1", params: [0] },
            ]);
            return tx.queryAndCommit("SELECT $1::text AS note, $2::text AS seen", [`n${i}`, mine[0]?.note]);
          })
        : db.query("INSERT INTO t VALUES ($1, $2) RETURNING note", [i, `n${i}`]),
    );
    const results = await Promise.all(work);
    results.forEach((rows, i) => {
      expect(rows).toEqual(i % 2 === 0 ? [{ note: `n${i}`, seen: `n${i}` }] : [{ note: `n${i}` }]);
    });
    expect(await db.query("SELECT count(*)::int AS n FROM t WHERE id >= $1", [0])).toEqual([{ n: 40 }]);
  });

  it("plans with enable_seqscan off", async () => {
    expect(await db.query("SELECT current_setting($1) AS v", ["enable_seqscan"])).toEqual([{ v: "off" }]);
  });

  it("reads a key's rows with an index scan, not a bitmap heap scan (which asks the file system the table's size)", async () => {
    // 100 rows per key, spread over the table: PGlite as it comes picks a bitmap heap scan.
    const setup = `CREATE TABLE bitmap_probe (k int, v text);
      INSERT INTO bitmap_probe SELECT i % 100, 'v' || i FROM generate_series(1, 10000) i;
      CREATE INDEX bitmap_probe_k ON bitmap_probe (k); ANALYZE bitmap_probe`;
    const explain = "EXPLAIN (COSTS OFF) SELECT v FROM bitmap_probe WHERE k = 7";
    const plan = (rows: Record<string, unknown>[]) => rows.map((r) => r["QUERY PLAN"]).join("\n");
    await oldPath.exec(setup);
    expect(plan((await oldPath.query<Record<string, unknown>>(explain)).rows)).toContain("Bitmap Heap Scan");
    await db.exec(setup);
    const ours = plan(await db.query<Record<string, unknown>>(explain));
    expect(ours).toContain("Index Scan using bitmap_probe_k");
    expect(ours).not.toContain("Bitmap");
    expect(
      await db.query<{ n: number }>("SELECT count(*)::int AS n FROM bitmap_probe WHERE k = $1", [7]),
    ).toEqual([{ n: 100 }]);
  });
});

describe("PGlite driver, reopened", () => {
  it("prepares its statements again in a new instance on the same data directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-pglite-protocol-"));
    try {
      const sql = "SELECT $1::int + 1 AS n";
      const first = await openPgliteDatabase(dir);
      expect(await first.query(sql, [1])).toEqual([{ n: 2 }]);
      await first.close();
      const second = await openPgliteDatabase(dir);
      expect(await second.query(sql, [2])).toEqual([{ n: 3 }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
