// Paired A/B of the RabbitMQ outbox relay's read (investigation, not part of `npm run bench`): the
// statement takeDueMessages runs against the one before it (due rows in msg_id order over all
// queues), on one backlog, alternating A and B in each round. Each read takes a batch of 500 in a
// transaction that is rolled back, so every read sees the same backlog. Reports per read the wall
// time and the CPU time (PostgreSQL: its backend's, from /proc; PGlite: this process's), whose
// medians over rounds the machine's other load disturbs least. Usage:
//   npx tsx bench/relay-read-ab.ts [--backend postgres|pglite] [--rounds 5] [--reads 40]
// Backlogs: `delayed`, 20,000 delayed messages (retries waiting for their backoff) older than 500
// due ones; `due`, 30,000 due messages (a broker outage's pile-up) after statistics of a short
// table (PostgreSQL's autovacuum takes them between bursts). Both over three queues, written in turns.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Tasker } from "@tasker-ts/tasker";
import { createTestDatabase } from "@tasker-ts/tasker/testing";
import { TAKE_DUE_MESSAGES_SQL } from "../packages/tasker/src/store/sql/queue.js";
import { count } from "./options.js";
import { percentile } from "./stats.js";

const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "postgres" },
    rounds: { type: "string", default: "5" },
    reads: { type: "string", default: "40" },
  },
});
const rounds = count(values.rounds, "--rounds", 1);
const reads = count(values.reads, "--reads", 1);
const BATCH = 500;
const BEFORE = `DELETE FROM tasker.queue_messages WHERE msg_id IN (
           SELECT msg_id FROM tasker.queue_messages
            WHERE visible_at <= now() ORDER BY msg_id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING msg_id::text AS msg_id, queue_name, message`;
// The engine's PostgreSQL connections now plan no bitmap scans; the old read ran where they were
// allowed (PGlite's session never allowed them). The savepoint each read rolls back to undoes it.
const OLD_SETTINGS = values.backend === "postgres" ? ["SET LOCAL enable_bitmapscan = on"] : [];
const VARIANTS = [
  { name: "before", statements: [...OLD_SETTINGS, BEFORE] },
  { name: "now", statements: [TAKE_DUE_MESSAGES_SQL] },
];

const pg = values.backend === "postgres" ? await createTestDatabase() : undefined;
const tasker = await Tasker.open(pg ? { databaseUrl: pg.url } : { dataDir: "memory://" });
const db = tasker.database;
const QUEUES = ["worker_a_queue", "worker_b_queue", "orchestration_step_results"];
const write = (n: number, delaySeconds: number) =>
  db.query(
    `INSERT INTO tasker.queue_messages (queue_name, message, visible_at)
     SELECT ($1::text[])[1 + k % 3], jsonb_build_object('k', k), now() + make_interval(secs => $3::float8)
       FROM generate_series(1, $2::int) AS k`,
    [QUEUES, n, delaySeconds],
  );

/** CPU milliseconds used so far by the backend `pid` (PostgreSQL) or this process (PGlite). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in ticks of 10 ms
}

/** `reads` reads of one variant in one session: wall and CPU milliseconds per read. */
async function measure(statements: string[]): Promise<{ wall: number; cpu: number; rows: number }> {
  let rows = 0;
  const rollback = new Error("rollback");
  let wall = 0;
  let cpu = 0;
  await db
    .transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const pid = pg ? row!.pid : undefined;
      const cpu0 = cpuMs(pid);
      const t0 = performance.now();
      for (let i = 0; i < reads; i++) {
        await tx.query("SAVEPOINT r");
        // In one batch, the read last (after the old read's setting, where it has one).
        const answers = await tx.batch(
          statements.map((sql) => ({ sql, params: sql.includes("$1") ? [BATCH] : [] })),
        );
        rows += answers.at(-1)!.length;
        await tx.query("ROLLBACK TO SAVEPOINT r");
      }
      wall = (performance.now() - t0) / reads;
      cpu = (cpuMs(pid) - cpu0) / reads;
      throw rollback;
    })
    .catch((err) => {
      if (err !== rollback) throw err;
    });
  return { wall, cpu, rows: rows / reads };
}

for (const backlog of ["delayed", "due"]) {
  await db.query("DELETE FROM tasker.queue_messages");
  if (backlog === "delayed") {
    await write(20_000, 3600);
    await write(BATCH, -1);
    if (pg) await db.query("ANALYZE tasker.queue_messages");
  } else {
    await write(10, -1);
    if (pg) await db.query("ANALYZE tasker.queue_messages");
    await write(30_000, -1);
  }
  const results = new Map(VARIANTS.map((v) => [v.name, [] as { wall: number; cpu: number }[]]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) {
      const r = await measure(v.statements);
      if (r.rows !== BATCH) throw new Error(`${v.name} read ${r.rows} rows, not ${BATCH}`);
      results.get(v.name)!.push(r);
      console.log(
        `${backlog} round ${round + 1} ${v.name}: ${r.wall.toFixed(2)} ms wall, ${r.cpu.toFixed(2)} ms CPU a read`,
      );
    }
  }
  const med = (name: string, key: "wall" | "cpu") =>
    percentile(
      results.get(name)!.map((r) => r[key]),
      50,
    );
  console.log(
    `${values.backend} ${backlog}: median ms a read before / now: wall ${med("before", "wall").toFixed(2)} / ${med("now", "wall").toFixed(2)} (${(med("now", "wall") / med("before", "wall")).toFixed(2)}x), CPU ${med("before", "cpu").toFixed(2)} / ${med("now", "cpu").toFixed(2)} (${(med("now", "cpu") / med("before", "cpu")).toFixed(2)}x)`,
  );
}
await tasker.close();
await pg?.drop();
