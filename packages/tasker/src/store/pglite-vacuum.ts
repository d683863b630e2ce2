// PGlite runs PostgreSQL in this process with no background workers, so nothing vacuums it:
// autovacuum is on in its settings but never starts. Without VACUUM a table's dead rows are never
// reclaimed (a row updated five times leaves four versions and their index entries), and space a
// delete freed is never reused, since only VACUUM records it in the free space map: the outbox,
// whose rows live seconds, grows by every message ever sent. This does autovacuum's job for an
// embedded database, with autovacuum's default thresholds, in the same thread as everything else.
import type { Logger } from "../observability/logger.js";
import type { Database } from "./database.js";

/** A table's activity as pg_stat_user_tables counts it. */
export interface TableActivity {
  /** The table's name, schema-qualified and quoted, ready for a statement. */
  table: string;
  live: number;
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
}

export const AUTOVACUUM_THRESHOLDS: VacuumThresholds = {
  deadBase: 50,
  deadFraction: 0.2,
  insertedBase: 1000,
  insertedFraction: 0.2,
};

/** The tables autovacuum would vacuum now, most dead rows first. */
export function tablesToVacuum(
  tables: readonly TableActivity[],
  thresholds: VacuumThresholds = AUTOVACUUM_THRESHOLDS,
): string[] {
  return tables
    .filter(
      (t) =>
        t.dead > thresholds.deadBase + thresholds.deadFraction * t.live ||
        t.insertedSinceVacuum > thresholds.insertedBase + thresholds.insertedFraction * t.live,
    )
    .sort((a, b) => b.dead - a.dead)
    .map((t) => t.table);
}

const ACTIVITY_SQL = `SELECT format('%I.%I', schemaname, relname) AS "table", n_live_tup::float8 AS live,
       n_dead_tup::float8 AS dead, n_ins_since_vacuum::float8 AS "insertedSinceVacuum"
  FROM pg_stat_user_tables`;

export interface EmbeddedVacuumOptions {
  /** How often the tables' activity is read (autovacuum_naptime's default: a minute). */
  intervalMs?: number;
  thresholds?: VacuumThresholds;
  logger?: Logger | undefined;
}

export interface EmbeddedVacuum {
  /** Vacuums what is due now (a pass already running is joined); resolves with the tables vacuumed. */
  runOnce(): Promise<string[]>;
  /** No pass starts after this; resolves once the one running, if any, has ended. */
  stop(): Promise<void>;
}

/**
 * Vacuums an embedded database's tables as autovacuum would, every `intervalMs`. Each VACUUM is a
 * simple query of its own (outside any transaction, as VACUUM must be), so the application's
 * statements run between two tables; while one runs they wait (one thread), as long as it takes to
 * read the table's pages not yet all-visible and, when it has dead rows, its indexes.
 */
export function startEmbeddedVacuum(
  db: Pick<Database, "query" | "exec">,
  options: EmbeddedVacuumOptions = {},
): EmbeddedVacuum {
  let stopped = false;
  let running: Promise<string[]> | undefined;
  const runOnce = () => {
    if (stopped) return Promise.resolve([]);
    running ??= (async () => {
      const vacuumed: string[] = [];
      const start = performance.now();
      try {
        for (const table of tablesToVacuum(await db.query<TableActivity>(ACTIVITY_SQL), options.thresholds)) {
          if (stopped) break;
          await db.exec(`VACUUM ${table}`);
          vacuumed.push(table);
        }
        if (vacuumed.length > 0) {
          const ms = Math.round(performance.now() - start);
          options.logger?.debug({ tables: vacuumed, ms }, "vacuumed the embedded database");
        }
        return vacuumed;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((err: unknown) =>
      options.logger?.warn({ err: (err as Error).message }, "vacuuming the embedded database failed"),
    );
  }, options.intervalMs ?? 60_000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
