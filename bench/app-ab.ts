// A paired A/B of the example app under load (investigation, not part of `npm run bench`): the
// app part (bench/app-load.ts) run alternately on two checkouts, e.g. a snapshot of the commit
// before a change and one after it (`bench/snapshot.sh <commit> /tmp/a`: the commit's tree with
// this checkout's packages linked in, and its own engine). On a shared machine compare the pairs,
// and the transactions and app CPU per order, which waiting for a core does not inflate; two
// sides of the same engine read up to ±20 % apart in a pair here (LOG.md, "One key fewer a step").
//
//   npx tsx bench/app-ab.ts --a /tmp/before --b /tmp/after [--backend postgres] [--rounds 3]
//     [--seconds 10] [--warmup 5] [--connections 16] [--a-concurrency N] [--b-concurrency N]
// Each run is warmed as the bench's app part is (`--warmup` seconds of the same load, not counted):
// without it, an embedded run also measures V8 compiling PGlite's WebAssembly.
// A side's concurrency sets the app's WORKER_CONCURRENCY (default the app's own): the same
// checkout on both sides with two concurrencies compares the setting alone.
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { benchAppLoad } from "./app-load.js";
import { BACKENDS, type Backend, count, parseBenchArgs } from "./options.js";

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string" },
    backend: { type: "string", default: "postgres" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: String(parseBenchArgs([]).appWarmupSeconds) },
    connections: { type: "string", default: "16" },
    "a-concurrency": { type: "string" },
    "b-concurrency": { type: "string" },
  },
});
if (!values.a || !values.b || !BACKENDS.includes(values.backend as Backend)) {
  console.error("usage: npx tsx bench/app-ab.ts --a DIR --b DIR [--backend postgres|pglite] [--rounds N]");
  process.exit(2);
}
/** The engine the app under `root` is built with: the first @tasker-ts/tasker up from the app. */
function engineOfApp(root: string): string | undefined {
  for (let dir = resolve(root, "examples/hono-app"); ; dir = dirname(dir)) {
    const linked = join(dir, "node_modules/@tasker-ts/tasker");
    if (existsSync(linked)) return realpathSync(linked);
    if (dirname(dir) === dir) return undefined;
  }
}
const roots = { a: values.a, b: values.b };
for (const side of ["a", "b"] as const) {
  const root = realpathSync(roots[side]);
  const engine = engineOfApp(root);
  if (!engine?.startsWith(root + sep)) {
    console.error(
      `--${side} ${roots[side]}: its app would run the engine at ${engine ?? "(none found)"}, not its own; make the checkout with bench/snapshot.sh`,
    );
    process.exit(2);
  }
}
const rounds = count(values.rounds, "--rounds", 1);
const concurrency = (side: "a" | "b") => {
  const v = values[`${side}-concurrency`];
  return v === undefined ? undefined : count(v, `--${side}-concurrency`, 1);
};
const rows: string[] = [];
for (let round = 1; round <= rounds; round++) {
  // A then B in odd rounds, B then A in even ones: a trend in the machine's load falls on both.
  const order = round % 2 === 1 ? (["a", "b"] as const) : (["b", "a"] as const);
  for (const side of order) {
    const r = await benchAppLoad({
      backend: values.backend as Backend,
      seconds: count(values.seconds, "--seconds", 1),
      warmupSeconds: count(values.warmup, "--warmup", 0),
      connections: count(values.connections, "--connections", 1),
      drainTimeoutMs: 120_000,
      root: roots[side],
      workerConcurrency: concurrency(side),
    });
    const row = `${round}\t${side}\t${r.tasks_per_s}\t${r.accepted_per_s}\t${r.p50_ms}\t${r.p99_ms}\t${r.transactions_per_task ?? "–"}\t${r.cpu_ms_per_task ?? "–"}\t${r.db_cpu_ms_per_task ?? "–"}`;
    rows.push(row);
    console.log(row);
  }
}
console.log(
  `\nround\tside\torders/s\taccepted/s\tp50 ms\tp99 ms\ttransactions/order\tapp CPU ms/order\tdatabase CPU ms/order\n${rows.join("\n")}`,
);
