// PGlite runs PostgreSQL in this process with no background workers, so nothing vacuums it:
// autovacuum is on in its settings but never starts. Without VACUUM a table's dead rows are never
// reclaimed (a row updated five times leaves four versions and their index entries), and space a
// delete freed is never reused, since only VACUUM records it in the free space map: the outbox,
// whose rows live seconds, grows by every message ever sent. Nor are old rows ever frozen, which a
// server's autovacuum forces before transaction ids would wrap around. This does autovacuum's job
// for an embedded database, with autovacuum's default thresholds, in the same thread as everything
// else.
import { errorMessage, type Logger } from "../observability/logger.js";
import type { Database } from "./database.js";

/** A table's activity as pg_stat_user_tables counts it, and its size as pg_class keeps it. */
export interface TableActivity {
  /** The table's name, schema-qualified and quoted, ready for a statement. */
  table: string;
  /** pg_class.reltuples (0 for a table never vacuumed or analyzed), which a restart keeps. */
  rows: number;
  /** Counted since the database was opened: PGlite does not keep these counts across a restart. */
  dead: number;
  insertedSinceVacuum: number;
}

/** When a table is vacuumed: PostgreSQL's autovacuum defaults. */
export interface VacuumThresholds {
  /** autovacuum_vacuum_threshold and autovacuum_vacuum_scale_factor: dead rows. */
  deadBase: number;
  deadFraction: number;
  /**
   * autovacuum_vacuum_insert_threshold and its scale factor: rows inserted since the last vacuum,
   * so that pages only ever appended to (the step transitions) are marked all-visible and later
   * vacuums skip them.
   */
  insertedBase: number;
  insertedFraction: number;
  /**
   * autovacuum_freeze_max_age: past this many transactions since a table's oldest unfrozen row,
   * the whole database is vacuumed (the catalogs too), which freezes old rows.
   */
  freezeMaxAge: number;
}

export const AUTOVACUUM_THRESHOLDS: VacuumThresholds = {
  deadBase: 50,
  deadFraction: 0.2,
  insertedBase: 1000,
  insertedFraction: 0.2,
  freezeMaxAge: 200_000_000,
};

/** The database's state a pass decides on. */
export interface VacuumInputs {
  tables: readonly TableActivity[];
  /** The age, in transactions, of the oldest unfrozen row of any table, catalogs included. */
  oldestUnfrozenAge: number;
}

/**
 * What autovacuum would vacuum now: the whole database when old rows need freezing, else the
 * tables past their thresholds, most dead rows first.
 */
export function whatToVacuum(
  inputs: VacuumInputs,
  thresholds: VacuumThresholds = AUTOVACUUM_THRESHOLDS,
): "database" | string[] {
  if (inputs.oldestUnfrozenAge > thresholds.freezeMaxAge) return "database";
  return inputs.tables
    .filter(
      (t) =>
        t.dead > thresholds.deadBase + thresholds.deadFraction * t.rows ||
        t.insertedSinceVacuum > thresholds.insertedBase + thresholds.insertedFraction * t.rows,
    )
    .sort((a, b) => b.dead - a.dead)
    .map((t) => t.table);
}

const TABLES_SQL = `SELECT format('%I.%I', s.schemaname, s.relname) AS "table", greatest(c.reltuples, 0)::float8 AS rows,
       s.n_dead_tup::float8 AS dead, s.n_ins_since_vacuum::float8 AS "insertedSinceVacuum"
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid`;
const OLDEST_UNFROZEN_SQL = `SELECT max(age(relfrozenxid))::float8 AS age FROM pg_class WHERE relkind IN ('r', 'm', 't')`;

export interface EmbeddedVacuumOptions {
  /** How often the tables' activity is read (autovacuum_naptime's default: a minute). */
  intervalMs?: number;
  thresholds?: VacuumThresholds;
  logger?: Logger | undefined;
}

export interface EmbeddedVacuum {
  /** Vacuums what is due now (a pass already running is joined); resolves with what was vacuumed. */
  runOnce(): Promise<string[]>;
  /**
   * No pass starts after this. With `lastPass`, one more runs first on counts flushed now: the
   * counts die with the process, and one that lives less than a minute would never vacuum.
   */
  stop(options?: { lastPass?: boolean }): Promise<void>;
}

/**
 * Vacuums an embedded database as autovacuum would, every `intervalMs`. Each VACUUM is a simple
 * query of its own (outside any transaction, as VACUUM must be), so the application's statements
 * run between two tables; while one runs they wait (one thread), as long as it takes to read the
 * table's pages not yet all-visible and, when it has dead rows, its indexes. A table that fails
 * (dropped meanwhile) is logged and the pass goes on.
 */
export function startEmbeddedVacuum(
  db: Pick<Database, "query" | "exec">,
  options: EmbeddedVacuumOptions = {},
): EmbeddedVacuum {
  let stopped = false;
  let running: Promise<string[]> | undefined;
  const log = options.logger;
  const pass = async (): Promise<string[]> => {
    const [tables, [oldest]] = await Promise.all([
      db.query<TableActivity>(TABLES_SQL),
      db.query<{ age: number | null }>(OLDEST_UNFROZEN_SQL),
    ]);
    const due = whatToVacuum({ tables, oldestUnfrozenAge: oldest?.age ?? 0 }, options.thresholds);
    const start = performance.now();
    const vacuumed: string[] = [];
    const targets =
      due === "database"
        ? [{ name: "the whole database", sql: "VACUUM" }]
        : due.map((table) => ({ name: table, sql: `VACUUM ${table}` }));
    for (const { name, sql } of targets) {
      if (stopped) break;
      try {
        await db.exec(sql);
        vacuumed.push(name);
      } catch (err) {
        log?.warn(
          { table: name, err: errorMessage(err) },
          "vacuuming a table of the embedded database failed",
        );
      }
    }
    if (vacuumed.length > 0) {
      log?.debug({ vacuumed, ms: Math.round(performance.now() - start) }, "vacuumed the embedded database");
    }
    return vacuumed;
  };
  const runOnce = (): Promise<string[]> => {
    if (stopped) return Promise.resolve([]);
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((err: unknown) =>
      log?.warn({ err: errorMessage(err) }, "vacuuming the embedded database failed"),
    );
  }, options.intervalMs ?? 60_000);
  timer.unref();
  return {
    runOnce,
    async stop(stopOptions = {}) {
      clearInterval(timer);
      // Without a last pass, one running now ends after its current table.
      if (!stopOptions.lastPass) stopped = true;
      await running?.catch(() => undefined);
      if (!stopped) {
        await db
          .query("SELECT pg_stat_force_next_flush()")
          .then(() => runOnce())
          .catch((err: unknown) =>
            log?.warn({ err: errorMessage(err) }, "vacuuming the embedded database failed"),
          );
      }
      stopped = true;
    },
  };
}
