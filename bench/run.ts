// `npm run bench [-- --quick]`: latency and throughput of the engine against graphile-worker and
// pgbench, on PGlite and PostgreSQL, in one run. Prints a table and writes bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createLogger } from "@tasker-ts/tasker";
import { type AppRound, appRoundsResult, benchAppLoad } from "./app-load.js";
import { benchBackend } from "./bench-backend.js";
import { renderChart } from "./chart.js";
import { compareResults } from "./compare.js";
import { benchCreation, CREATION_CLIENTS } from "./creation.js";
import {
  type Backend,
  type BenchOptions,
  parseBenchArgs,
  planTransports,
  type Transport,
  USAGE,
} from "./options.js";
import { pgbenchAvailable, runPgbench } from "./pgbench.js";
import { renderMarkdown, resultsTable } from "./report.js";
import {
  type BenchFile,
  BenchFileSchema,
  type BenchResult,
  describeMachine,
  emptyResult,
  fileStamp,
} from "./results.js";
import { benchStartup } from "./startup.js";
import { round } from "./stats.js";
import { engineCommit, pgliteVersion, postgresVersion, probeRabbitMq } from "./versions.js";

const t0 = performance.now();
// Every progress line carries the seconds since the start: where a run spends its time shows.
const say = (line: string) =>
  console.log(line && `${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s ${line}`);

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const started = new Date();
  const loadStart = loadavg()[0] ?? 0;
  const logger = createLogger({ level: process.env.TASKER_LOG_LEVEL ?? "warn", name: "bench" });
  const results: BenchResult[] = [];
  const notes: string[] = [];
  const pgVersion = opts.backends.includes("postgres") ? await postgresVersion() : null;
  if (opts.backends.includes("postgres") && pgVersion === null) {
    console.error(
      "PostgreSQL does not answer (TASKER_TEST_PG_URL or postgres://postgres:postgres@127.0.0.1:5432); start it or pass --backends pglite",
    );
    return 1;
  }
  // Asked only when the engine on PostgreSQL could use it.
  const rabbitmq = opts.backends.includes("postgres")
    ? await probeRabbitMq()
    : { url: "", version: null, error: "not asked" };
  let transports: Transport[];
  try {
    const plan = planTransports(opts.transports, opts.backends, rabbitmq);
    transports = plan.transports;
    if (plan.note) {
      notes.push(plan.note);
      say(plan.note);
    }
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }

  // Parts measured on an engine of each backend (startup, pgbench, app and creation open their own).
  if (opts.parts.some((p) => p !== "startup" && p !== "pgbench" && p !== "app" && p !== "creation")) {
    for (const backend of opts.backends) {
      results.push(...(await benchBackend(backend, opts, transports, logger, say)));
    }
  }

  // The machine's ceiling for small write transactions (the app part runs its own, round by round).
  if (opts.parts.includes("pgbench") && opts.backends.includes("postgres")) {
    if (await pgbenchAvailable()) {
      const run = await pgbenchRun(opts.pgbenchSeconds, say);
      results.push({
        ...emptyResult({
          system: "pgbench",
          backend: "postgres",
          transport: null,
          workflow: null,
          mode: "throughput",
          concurrency: PGBENCH_CLIENTS,
          runs: Math.max(1, Math.round(run.tps * run.seconds)),
        }),
        transactions_per_s: round(run.tps, 1),
      });
    } else {
      notes.push(NO_PGBENCH);
    }
  }

  // `npm start` as a user runs it: the example app embedded on PGlite, a real process each time.
  if (opts.parts.includes("startup") && opts.backends.includes("pglite")) {
    say(`[startup] npm start: a first run, a new data folder, then ${opts.startupRuns} warm`);
    try {
      results.push(...(await benchStartup({ runs: opts.startupRuns, say })));
    } catch (err) {
      notes.push(`startup not measured: ${(err as Error).message.split("\n")[0]}`);
      say(`[startup] failed: ${(err as Error).message}`);
    }
  }

  // Creating tasks with the workers idle: one at a time, in-process and over HTTP, and in batches.
  if (opts.parts.includes("creation")) {
    for (const backend of opts.backends) {
      say(
        `[${backend}] creation: ${opts.creates} linear5 tasks a kind one per call (${CREATION_CLIENTS} at once), ${opts.batches} batches of ${opts.batchSize}, ${opts.creationRounds} round${opts.creationRounds === 1 ? "" : "s"}`,
      );
      const sizes = {
        creates: opts.creates,
        batches: opts.batches,
        batchSize: opts.batchSize,
        rounds: opts.creationRounds,
      };
      results.push(...(await benchCreation(backend, sizes, logger, say)));
    }
  }

  // The example app as a user starts it, under load on POST /orders (bench/app-load.ts).
  if (opts.parts.includes("app")) {
    // Quick (CI): one start of the app is enough to keep the part working; PostgreSQL's run
    // exercises more of it (transactions, the database's CPU).
    const appBackends: Backend[] =
      opts.quick && opts.backends.includes("postgres") ? ["postgres"] : [...opts.backends];
    // Each round's ceiling is a pgbench run at its start, shared by its backends: the machine
    // drifts between rounds.
    const withPgbench = opts.backends.includes("postgres") && (await pgbenchAvailable());
    if (opts.backends.includes("postgres") && !withPgbench && !notes.includes(NO_PGBENCH))
      notes.push(NO_PGBENCH);
    const rounds = new Map<Backend, AppRound[]>(appBackends.map((b) => [b, []]));
    for (let r = 0; r < opts.appRounds; r++) {
      const of = opts.appRounds > 1 ? ` (round ${r + 1} of ${opts.appRounds})` : "";
      let pgbenchTransactionsPerS: number | null = null;
      if (withPgbench) {
        try {
          pgbenchTransactionsPerS = (await pgbenchRun(opts.pgbenchSeconds, say)).tps;
        } catch (err) {
          notes.push(`pgbench${of} failed: ${(err as Error).message.split("\n")[0]}`);
        }
      }
      for (const backend of r % 2 ? [...appBackends].reverse() : appBackends) {
        say(
          `[app ${backend}] npm start, then ${opts.appConnections} connections on POST /orders for ${opts.appSeconds} s after ${opts.appWarmupSeconds} s not counted${of}`,
        );
        try {
          const result = await benchAppLoad({
            backend,
            seconds: opts.appSeconds,
            warmupSeconds: opts.appWarmupSeconds,
            connections: opts.appConnections,
            drainTimeoutMs: opts.quick ? 30_000 : 120_000,
            statsWaitMs: opts.quick ? 2_000 : 11_000,
            say,
          });
          rounds.get(backend)!.push({ result, pgbenchTransactionsPerS });
        } catch (err) {
          notes.push(`app on ${backend}${of} not measured: ${(err as Error).message.split("\n")[0]}`);
          say(`[app ${backend}] failed: ${(err as Error).message}`);
        }
      }
    }
    for (const measured of rounds.values()) {
      if (measured.length > 0) results.push(appRoundsResult(measured));
    }
  }

  const file: BenchFile = BenchFileSchema.parse({
    machine: describeMachine(
      {
        postgres: pgVersion,
        pglite: pgliteVersion(),
        rabbitmq: transports.includes("rabbitmq") ? rabbitmq.version : null,
      },
      loadStart,
    ),
    date: started.toISOString(),
    engine_commit: engineCommit(),
    quick: opts.quick,
    duration_s: round((performance.now() - t0) / 1000, 1),
    results,
    notes,
  });
  mkdirSync(opts.outDir, { recursive: true });
  const json = `${JSON.stringify(file, null, 2)}\n`;
  writeFileSync(join(opts.outDir, `${fileStamp(started)}.json`), json);
  writeFileSync(join(opts.outDir, "latest.json"), json);
  writeFileSync(join(opts.outDir, "latest.md"), renderMarkdown(file));
  writeFileSync(join(opts.outDir, "latest.svg"), renderChart(file));

  console.log(`\n${resultsTable(results)}\n`);
  for (const f of compareResults(results)) {
    const mark = f.met === undefined ? " " : f.met ? "✓" : f.met === false ? "✗" : "?";
    console.log(
      `${mark} ${f.label}: ${f.value ?? "not measured"}${f.unit === "×" ? "×" : ` ${f.unit}`}${f.target ? ` (target ${f.target})` : ""}`,
    );
  }
  say(
    `\nwrote ${join(opts.outDir, "latest.{json,md,svg}")} and ${fileStamp(started)}.json in ${file.duration_s} s`,
  );
  return 0;
}

const PGBENCH_CLIENTS = 8;
const NO_PGBENCH =
  "pgbench is not on PATH (it comes with the PostgreSQL client tools): no machine-limit baseline";

/** pgbench's simple-update run on the bench's server, said as it goes. */
async function pgbenchRun(seconds: number, say: (line: string) => void) {
  say(`[postgres] pgbench simple-update, ${PGBENCH_CLIENTS} clients, ${seconds} s`);
  const run = await runPgbench({ seconds, clients: PGBENCH_CLIENTS, threads: 2 });
  say(`[postgres] pgbench: ${run.tps.toFixed(0)} transactions/s`);
  return run;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`benchmark failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
