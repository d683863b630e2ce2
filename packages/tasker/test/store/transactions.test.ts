// The transaction contract both drivers keep (store/database.ts): statements sent together still
// run one after another, each with its own snapshot; the commit sent with the last statement
// commits only if it succeeded; nothing runs after it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database, Transaction } from "../../src/store/database.js";
import { openPostgresDatabase } from "../../src/store/postgres-database.js";
import { OneSyncQuery } from "../../src/store/postgres-one-sync.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";
import { useTestStore } from "../support/test-store.js";

const backends = testBackends();

describe.each(backends)("transactions on %s", (backend) => {
  const store = useTestStore(backend, "tasker_tx", 3, async (db) => {
    await db.exec(
      "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0)",
    );
  });

  const count = async () => (await store.db.query<{ n: number }>("SELECT n FROM counter WHERE id = 1"))[0]!.n;
  /** One transaction sent as one call: the counter incremented, then `failing`; its error. */
  const incrementThen = async (failing: { sql: string; params: unknown[] }): Promise<Error> => {
    const result = await store.db
      .transaction((tx) =>
        tx.batch([{ sql: "UPDATE counter SET n = n + $1 WHERE id = 1", params: [1] }, failing], {
          commit: true,
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    if (!result) throw new Error(`the transaction committed although ${failing.sql} should have failed it`);
    return result;
  };

  it("runs a batch in order, each statement seeing the ones before, and returns each one's rows", async () => {
    const before = await count();
    const [updated, read, none] = await store.db.transaction((tx) =>
      tx.batch([
        { sql: "UPDATE counter SET n = n + $1 WHERE id = 1 RETURNING n", params: [5] },
        { sql: "SELECT n FROM counter WHERE id = $1", params: [1] },
        { sql: "SELECT n FROM counter WHERE id = $1", params: [999] },
      ]),
    );
    expect(updated).toEqual([{ n: before + 5 }]);
    expect(read).toEqual([{ n: before + 5 }]);
    expect(none).toEqual([]);
    expect(await count()).toBe(before + 5);
  });

  it("fails the whole transaction on a batch's first error and writes nothing", async () => {
    const before = await count();
    const err = await store.db
      .transaction((tx) =>
        tx.batch([
          { sql: "UPDATE counter SET n = n + 1 WHERE id = $1", params: [1] },
          { sql: "SELECT 1 / $1::int AS boom", params: [0] },
          { sql: "UPDATE counter SET n = n + 100 WHERE id = $1", params: [1] },
        ]),
      )
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/division by zero/);
    expect(await count()).toBe(before);
  });

  it("commits with the last statement, and refuses statements after it", async () => {
    const before = await count();
    const late = await store.db
      .transaction(async (tx) => {
        await tx.query("UPDATE counter SET n = n + 1 WHERE id = $1", [1]);
        const rows = await tx.queryAndCommit<{ n: number }>(
          "UPDATE counter SET n = n + 1 WHERE id = $1 RETURNING n",
          [1],
        );
        expect(rows).toEqual([{ n: before + 2 }]);
        return tx.query("UPDATE counter SET n = n + 100 WHERE id = $1", [1]).catch((e: Error) => e);
      })
      .catch((e: Error) => e);
    expect((late as Error).message).toMatch(/already committed/);
    expect(await count()).toBe(before + 2);
  });

  it("commits with a batch's statements, or rolls back all of them when one fails", async () => {
    const before = await count();
    const [first, second] = await store.db.transaction(async (tx) => {
      await tx.query("UPDATE counter SET n = n + 1 WHERE id = $1", [1]);
      const rows = await tx.batch(
        [
          { sql: "UPDATE counter SET n = n + $1 WHERE id = 1 RETURNING n", params: [10] },
          { sql: "UPDATE counter SET n = n + $1 WHERE id = 1 RETURNING n", params: [100] },
        ],
        { commit: true },
      );
      const late = await tx.query("SELECT 1").catch((e: Error) => e);
      expect((late as Error).message).toMatch(/already committed/);
      return rows;
    });
    expect(first).toEqual([{ n: before + 11 }]);
    expect(second).toEqual([{ n: before + 111 }]);
    expect(await count()).toBe(before + 111);
    const err = await incrementThen({ sql: "SELECT 1 / $1::int AS boom", params: [0] });
    expect(err.message).toMatch(/division by zero/);
    expect(await count()).toBe(before + 111);
    expect(await store.db.transaction((tx) => tx.batch([], { commit: true }))).toEqual([]);
  });

  it("reports a failure of the commit itself, for a transaction sent as one call, and keeps nothing of it", async () => {
    await store.db.exec(
      "CREATE TABLE deferred_once (id int UNIQUE DEFERRABLE INITIALLY DEFERRED); INSERT INTO deferred_once VALUES (1)",
    );
    const before = await count();
    // The duplicate is found only when the transaction commits (PGlite: at the Sync of the call).
    const err = await incrementThen({ sql: "INSERT INTO deferred_once VALUES ($1)", params: [1] });
    expect(err.message).toMatch(/duplicate key/);
    expect(await count()).toBe(before);
    expect(await store.db.query("SELECT id FROM deferred_once")).toEqual([{ id: 1 }]);
  });

  it("fails a transaction holding a value that cannot be sent, keeping nothing of it, and goes on working", async () => {
    const before = await count();
    // JSON.stringify throws on a bigint: the driver finds out while it writes the statement.
    const unsendable = { sql: "SELECT $1::jsonb AS j", params: [{ a: 1n }] };
    const increment = { sql: "UPDATE counter SET n = n + $1 WHERE id = 1", params: [1] };
    for (const run of [
      (tx: Transaction) => tx.batch([increment, unsendable], { commit: true }),
      async (tx: Transaction) => {
        await tx.query(increment.sql, increment.params);
        return tx.batch([increment, unsendable], { commit: true });
      },
      (tx: Transaction) => tx.batch([increment, unsendable]),
    ]) {
      const err = await store.db.transaction(run).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/BigInt/);
      expect(await count()).toBe(before);
      expect(await store.db.query("SELECT n FROM counter WHERE id = 1")).toEqual([{ n: before }]);
      expect(await store.db.transaction((tx) => tx.queryAndCommit("SELECT $1::int AS one", [1]))).toEqual([
        { one: 1 },
      ]);
    }
  });

  it("rolls back when the statement sent with the commit fails", async () => {
    const before = await count();
    const err = await store.db
      .transaction(async (tx) => {
        await tx.query("UPDATE counter SET n = n + 1 WHERE id = $1", [1]);
        return tx.queryAndCommit("SELECT 1 / $1::int AS boom", [0]);
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/division by zero/);
    expect(await count()).toBe(before);
    // The connection is clean for the next transaction.
    expect(await store.db.transaction((tx) => tx.queryAndCommit<{ one: number }>("SELECT 1 AS one"))).toEqual(
      [{ one: 1 }],
    );
  });

  it("commits without waiting for the disk only when asked, and still commits", async () => {
    const setting = (options?: { synchronousCommit: boolean }) =>
      store.db.transaction(
        async (tx) => (await tx.query<{ synchronous_commit: string }>("SHOW synchronous_commit"))[0]!,
        options,
      );
    if (backend === "postgres") {
      expect((await setting({ synchronousCommit: false })).synchronous_commit).toBe("off");
      expect((await setting()).synchronous_commit).toBe("on");
    }
    const before = await count();
    await store.db.transaction((tx) => tx.queryAndCommit("UPDATE counter SET n = n + 1 WHERE id = $1", [1]), {
      synchronousCommit: false,
    });
    expect(await count()).toBe(before + 1);
  });

  it("runs on generic plans only when asked (the step transactions)", async () => {
    const mode = (options?: { genericPlans: boolean }) =>
      store.db.transaction(
        async (tx) =>
          (await tx.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode"))[0]!.plan_cache_mode,
        options,
      );
    expect(await mode({ genericPlans: true })).toBe("force_generic_plan");
    expect(await mode()).toBe("auto"); // only for the transactions that ask
    const plain = async () =>
      (await store.db.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode"))[0]!.plan_cache_mode;
    await mode({ genericPlans: true });
    expect(await plain()).toBe("auto");
    // The setting goes with BEGIN whichever way the transaction starts: a batch, or its last statement.
    const [[inBatch]] = await store.db.transaction(
      (tx) =>
        tx.batch([{ sql: "SHOW plan_cache_mode", params: [] }] as const) as Promise<
          [[{ plan_cache_mode: string }]]
        >,
      { genericPlans: true },
    );
    expect(inBatch.plan_cache_mode).toBe("force_generic_plan");
    const [committed] = await store.db.transaction(
      (tx) => tx.queryAndCommit<{ plan_cache_mode: string }>("SHOW plan_cache_mode"),
      { genericPlans: true },
    );
    expect(committed!.plan_cache_mode).toBe("force_generic_plan");
    // A failure is still reported against its own statement, not shifted by the setting.
    const failed = await store.db
      .transaction((tx) => tx.query("SELECT 1 / $1::int AS x", [0]), { genericPlans: true })
      .then(
        () => undefined,
        (err: unknown) => err as Error & { query?: string },
      );
    if (!failed) throw new Error("a division by zero committed");
    expect(failed).toBeInstanceOf(Error);
    expect(failed.message).toMatch(/division by zero/);
    if (backend === "pglite") expect(failed.query).toBe("SELECT 1 / $1::int AS x");
    expect(await mode()).toBe("auto");
  });
});

describe.skipIf(!backends.includes("postgres"))("a batch on PostgreSQL", () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase("tasker_tx_lock");
    db = await openPostgresDatabase({ url: testDb.url, poolMax: 3 });
    await db.exec(
      "CREATE TABLE task (id int PRIMARY KEY); INSERT INTO task VALUES (1); CREATE TABLE decision (task_id int, what text)",
    );
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  // Why the worker may send the store with the lock: the read after a lock that had to wait is a
  // statement of its own, so it sees what the lock's previous holder committed.
  /**
   * `read`'s answer, started while a transaction holds task 1's row lock and has written its
   * decision; that transaction commits 100 ms later.
   */
  async function whileLockHeld<T>(
    on: Database,
    tables: { task: string; decision: string },
    read: () => Promise<T>,
  ): Promise<T> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const first = on.transaction(async (tx) => {
      await tx.query(`SELECT id FROM ${tables.task} WHERE id = $1 FOR UPDATE`, [1]);
      await tx.query(`INSERT INTO ${tables.decision} VALUES ($1, $2)`, [1, "first"]);
      locked();
      await held;
    });
    await isLocked;
    const second = read();
    // The reading transaction is now waiting for the row lock; let the first one commit.
    await new Promise((r) => setTimeout(r, 100));
    release();
    await first;
    return second;
  }

  it("reads after a lock that waited see the decision committed by the lock's previous holder", async () => {
    const [, seen] = await whileLockHeld(db, { task: "task", decision: "decision" }, () =>
      db.transaction((tx) =>
        tx.batch([
          { sql: "SELECT id FROM task WHERE id = $1 FOR UPDATE", params: [1] },
          { sql: "SELECT what FROM decision WHERE task_id = $1", params: [1] },
        ]),
      ),
    );
    expect(seen).toEqual([{ what: "first" }]);
  });

  it("sends a transaction of one call behind one Sync once its statements are prepared, keeping the contract", async () => {
    const one = await openPostgresDatabase({ url: testDb.url, poolMax: 1 });
    const sent = vi.spyOn(OneSyncQuery.prototype, "run");
    try {
      await one.exec(
        "CREATE TABLE one_call (id int PRIMARY KEY, n int NOT NULL); INSERT INTO one_call VALUES (1, 0);" +
          "CREATE TABLE one_call_deferred (id int UNIQUE DEFERRABLE INITIALLY DEFERRED); INSERT INTO one_call_deferred VALUES (1)",
      );
      const increment = { sql: "UPDATE one_call SET n = n + $1 WHERE id = 1 RETURNING n", params: [1] };
      const n = async () => (await one.query<{ n: number }>("SELECT n FROM one_call"))[0]!.n;
      // Typed values come parsed on the one-call path too.
      const typed = { sql: "SELECT $1::jsonb AS j, now() AS at, NULL::int AS none", params: ['{"a":[1]}'] };
      for (let i = 1; i <= 3; i++) {
        const [[values]] = (await one.transaction((tx) => tx.batch([typed], { commit: true }))) as [
          { j: unknown; at: unknown; none: unknown }[],
        ];
        expect(values).toEqual({ j: { a: [1] }, at: expect.any(Date), none: null });
      }
      for (let i = 1; i <= 3; i++) {
        const [rows, [plans], [commit]] = (await one.transaction(
          (tx) =>
            tx.batch(
              [
                increment,
                { sql: "SHOW plan_cache_mode", params: [] },
                { sql: "SHOW synchronous_commit", params: [] },
              ],
              { commit: true },
            ),
          { genericPlans: true, synchronousCommit: false },
        )) as [unknown[], { plan_cache_mode: string }[], { synchronous_commit: string }[]];
        expect(rows).toEqual([{ n: i }]);
        expect(plans!.plan_cache_mode).toBe("force_generic_plan");
        expect(commit!.synchronous_commit).toBe("off");
      }
      // The first run parsed the named statement; the later ones went in one call.
      expect(sent.mock.calls.length).toBeGreaterThanOrEqual(2);
      // The settings ended with their transaction.
      expect((await one.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode"))[0]!.plan_cache_mode).toBe(
        "auto",
      );
      const calls = sent.mock.calls.length;
      // A failing statement, or a failing commit, keeps nothing of the transaction.
      for (const failing of [
        { sql: "SELECT 1 / $1::int AS boom", params: [0] },
        { sql: "INSERT INTO one_call_deferred VALUES ($1)", params: [1] },
      ]) {
        for (let i = 0; i < 2; i++) {
          const err = await one
            .transaction((tx) => tx.batch([increment, failing], { commit: true }), { genericPlans: true })
            .catch((e: Error) => e);
          expect((err as Error).message).toMatch(/division by zero|duplicate key/);
          expect(await n()).toBe(3);
        }
      }
      expect(sent.mock.calls.length).toBeGreaterThan(calls);
      expect(
        await one.transaction((tx) => tx.queryAndCommit("SELECT n FROM one_call WHERE id = $1", [1])),
      ).toEqual([{ n: 3 }]);
    } finally {
      sent.mockRestore();
      await one.close();
    }
  });

  it("a call with a value that cannot be written fails without writing any of its statements", async () => {
    const pool = new pg.Pool({ connectionString: testDb.url, max: 1, pipeline: true } as pg.PoolConfig);
    const client = await pool.connect();
    try {
      await client.query("CREATE TABLE one_call_unwritten (n int)");
      const call = new OneSyncQuery([
        { text: "INSERT INTO one_call_unwritten VALUES ($1)", values: [1] },
        { text: "SELECT $1::jsonb AS j", values: [{ a: 1n }] },
      ]);
      await expect(call.run(client)).rejects.toThrow(/BigInt/);
      // Had the insert left without its Sync, the next call's Sync would commit it.
      const next = await new OneSyncQuery([
        { text: "SELECT 1 AS one", values: [] },
        { text: "SELECT count(*)::int AS n FROM one_call_unwritten", values: [] },
      ]).run(client);
      expect(next.map((r) => r.rows)).toEqual([[{ one: 1 }], [{ n: 0 }]]);
      expect((await client.query("SELECT count(*)::int AS n FROM one_call_unwritten")).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      client.release();
      await pool.end();
    }
  });

  it("a value that cannot be sent fails its transaction before any statement leaves, and the connection stays usable", async () => {
    const one = await openPostgresDatabase({ url: testDb.url, poolMax: 1 });
    const sent = vi.spyOn(OneSyncQuery.prototype, "run");
    try {
      await one.exec(
        "CREATE TABLE unsendable (id int PRIMARY KEY, n int NOT NULL); INSERT INTO unsendable VALUES (1, 0)",
      );
      const increment = { sql: "UPDATE unsendable SET n = n + $1 WHERE id = 1", params: [1] };
      const read = { sql: "SELECT $1::jsonb AS j", params: [{ a: 1 }] as unknown[] };
      // JSON.stringify throws on a bigint: pg finds out only when it writes the statement.
      const unsendable = { ...read, params: [{ a: 1n }] };
      const n = async () => (await one.query<{ n: number }>("SELECT n FROM unsendable"))[0]!.n;
      // The first time on the connection (statements not yet prepared: BEGIN ... COMMIT), then in one
      // call once they are (the valid run in between prepares them).
      for (const preparedFirst of [false, true]) {
        if (preparedFirst) await one.transaction((tx) => tx.batch([increment, read], { commit: true }));
        const before = await n();
        const calls = sent.mock.calls.length;
        const err = await one
          .transaction((tx) => tx.batch([increment, unsendable], { commit: true }))
          .catch((e: Error) => e);
        expect((err as Error).message).toMatch(/BigInt/);
        expect(sent.mock.calls.length).toBe(calls);
        // Nothing of it committed, now or with the connection's next transaction.
        expect(await n()).toBe(before);
        await one.transaction((tx) => tx.batch([read], { commit: true }));
        expect(await n()).toBe(before);
        expect(
          await one.transaction((tx) => tx.queryAndCommit<{ j: unknown }>(read.sql, read.params)),
        ).toEqual([{ j: { a: 1 } }]);
        const [open] = await one.query<{ open: number }>(
          "SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        );
        expect(open!.open).toBe(0);
      }
    } finally {
      sent.mockRestore();
      await one.close();
    }
  });

  it("a transaction of one call reads, after a lock that waited, what the lock's previous holder committed", async () => {
    const two = await openPostgresDatabase({ url: testDb.url, poolMax: 2 });
    const sent = vi.spyOn(OneSyncQuery.prototype, "run");
    try {
      await two.exec("CREATE TABLE one_call_task (id int PRIMARY KEY); INSERT INTO one_call_task VALUES (1)");
      await two.exec("CREATE TABLE one_call_decision (task_id int, what text)");
      const lockThenRead = [
        { sql: "SELECT id FROM one_call_task WHERE id = $1 FOR UPDATE", params: [1] },
        { sql: "SELECT what FROM one_call_decision WHERE task_id = $1", params: [1] },
      ];
      // Both connections prepare the two statements (each transaction holds its own at once).
      await Promise.all(
        [0, 1].map(() =>
          two.transaction(async (tx) => {
            await tx.batch(lockThenRead.slice(1));
            await tx.batch(lockThenRead.slice(0, 1).map((s) => ({ ...s, params: [2] })));
            await new Promise((r) => setTimeout(r, 50));
          }),
        ),
      );
      const [, seen] = await whileLockHeld(
        two,
        { task: "one_call_task", decision: "one_call_decision" },
        () => two.transaction((tx) => tx.batch(lockThenRead, { commit: true })),
      );
      expect(sent).toHaveBeenCalledTimes(1);
      expect(seen).toEqual([{ what: "first" }]);
    } finally {
      sent.mockRestore();
      await two.close();
    }
  });
});
