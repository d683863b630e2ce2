import { openDatabase } from "@tasker-ts/tasker";
import { describe, expect, it } from "vitest";
import { SqlTrace, statementKey } from "./sql-trace.js";

describe("statementKey", () => {
  it("collapses whitespace and cuts long statements", () => {
    expect(statementKey("SELECT 1\n   FROM   x")).toBe("SELECT 1 FROM x");
    expect(statementKey("SELECT abcdefghij", 8)).toBe("SELECT a…");
  });
});

describe("SqlTrace", () => {
  it("counts calls and time per statement and ranks by time", () => {
    const t = new SqlTrace();
    t.add("SELECT 1", 2, [1]);
    t.add("SELECT  1", 3, [2]);
    t.add("UPDATE x", 10);
    expect(t.totalCalls()).toBe(3);
    expect(t.top(1)).toEqual([{ sql: "UPDATE x", calls: 1, totalMs: 10 }]);
    expect(t.top().find((s) => s.sql === "SELECT 1")).toEqual({ sql: "SELECT 1", calls: 2, totalMs: 5 });
    // The first call is kept, with its parameters, to EXPLAIN later.
    expect(t.samples().get("SELECT 1")).toEqual({ sql: "SELECT 1", params: [1] });
    t.reset();
    expect(t.totalCalls()).toBe(0);
    expect(t.samples().size).toBe(0);
  });
});

describe("SqlTrace.wrap on a real database (PGlite)", () => {
  it("sees statements in and out of transactions, with BEGIN and COMMIT", async () => {
    const db = await openDatabase({ dataDir: "memory://" });
    const t = new SqlTrace();
    const traced = t.wrap(db);
    try {
      expect(await traced.query<{ n: number }>("SELECT 1 AS n")).toEqual([{ n: 1 }]);
      const inside = await traced.transaction(
        async (tx) => (await tx.query<{ n: number }>("SELECT 2 AS n"))[0],
      );
      expect(inside).toEqual({ n: 2 });
      await expect(traced.transaction(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      const calls = Object.fromEntries(t.top().map((s) => [s.sql, s.calls]));
      expect(calls).toEqual({ "SELECT 1 AS n": 1, "SELECT 2 AS n": 1, BEGIN: 2, COMMIT: 2 });
      // 1 + (statement, COMMIT) + (COMMIT of the failed one)
      expect(t.roundTrips).toBe(4);
      t.reset();
      const [a, b] = await traced.transaction(async (tx) => {
        const batch = await tx.batch([
          { sql: "SELECT 3 AS n", params: [] },
          { sql: "SELECT $1::int AS n", params: [4] },
        ]);
        await tx.queryAndCommit("SELECT 5 AS n");
        return batch;
      });
      expect([a, b]).toEqual([[{ n: 3 }], [{ n: 4 }]]);
      expect(t.totalCalls()).toBe(5); // BEGIN, 3 statements, COMMIT
      expect(t.roundTrips).toBe(2); // the batch (with BEGIN), the last statement with COMMIT
    } finally {
      await traced.close();
    }
  }, 180_000);
});
