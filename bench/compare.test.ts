import { describe, expect, it } from "vitest";
import { compareResults } from "./compare.js";
import { sampleFile, sampleResult } from "./testing/sample-file.js";

describe("compareResults", () => {
  const findings = compareResults(sampleFile().results);
  const get = (label: RegExp) => {
    const f = findings.find((x) => label.test(x.label));
    if (!f) throw new Error(`no finding matches ${label}: ${findings.map((x) => x.label).join(" | ")}`);
    return f;
  };

  it("checks the latency targets per backend", () => {
    expect(get(/linear5 p50 latency on postgres/)).toMatchObject({ value: 8, met: true, target: "≤ 10 ms" });
    expect(get(/linear5 p50 latency on pglite/)).toMatchObject({ value: 6, met: false, target: "≤ 5 ms" });
  });

  it("takes the best concurrency level for the throughput target", () => {
    expect(get(/throughput on postgres/)).toMatchObject({
      value: 1200,
      met: true,
      label: expect.stringMatching(/concurrency 32/),
    });
  });

  it("compares latency with history against the empty database of the same backend", () => {
    expect(get(/with 100,000 finished tasks ÷ empty, postgres/)).toMatchObject({ value: 1.25, met: false });
    expect(get(/with 100,000 finished tasks ÷ empty, pglite/)).toMatchObject({ value: 1.1, met: true });
  });

  it("states the ratios against graphile-worker and pgbench measured in the same run", () => {
    expect(get(/latency, tasker ÷ graphile-worker/)).toMatchObject({
      value: 2,
      met: false,
      target: "≤ 0.5×",
    });
    expect(get(/steps\/s at concurrency 8, tasker ÷ graphile-worker/).value).toBe(0.5);
    // No graphile run at concurrency 32: no ratio is invented for it.
    expect(findings.some((f) => /concurrency 32, tasker ÷ graphile/.test(f.label))).toBe(false);
    expect(get(/concurrency 32 ÷ pgbench/)).toMatchObject({ value: 0.3, met: false, target: "≥ 0.5×" });
  });

  it("meets the small-task targets at their bounds, and states no pgbench ratio without a run at concurrency 32", () => {
    // The sample reads 2× graphile-worker's p50 and 0.3× pgbench: moved to exactly 0.5× each.
    const base = sampleFile().results;
    const bounds = compareResults(
      base.map((r) =>
        r.system === "graphile-worker" && r.mode === "latency"
          ? { ...r, p50_ms: (r.p50_ms ?? 0) * 4 }
          : r.system === "pgbench"
            ? { ...r, transactions_per_s: (r.transactions_per_s ?? 0) * 0.6 }
            : r,
      ),
    );
    const bound = (label: RegExp) => bounds.find((f) => label.test(f.label));
    expect(bound(/latency, tasker ÷ graphile-worker/)).toMatchObject({ value: 0.5, met: true });
    expect(bound(/÷ pgbench/)).toMatchObject({ value: 0.5, met: true });
    const without32 = compareResults(
      base.filter((r) => !(r.system === "tasker" && r.mode === "throughput" && r.concurrency === 32)),
    );
    expect(without32.some((f) => /÷ pgbench/.test(f.label))).toBe(false);
  });

  it("compares the RabbitMQ transport with the queue tables, only where both were measured", () => {
    expect(get(/linear5 p50 latency, rabbitmq ÷ postgres transport/).value).toBe(1.5);
    expect(get(/linear5 statements per task sent to PostgreSQL, rabbitmq ÷ postgres/).value).toBe(1.25);
    expect(get(/steps\/s at concurrency 32, rabbitmq ÷ postgres transport/).value).toBe(1.25);
    expect(get(/idle statements\/s sent to PostgreSQL, rabbitmq ÷ postgres transport/).value).toBe(2.5);
    expect(findings.some((f) => /concurrency 8, rabbitmq/.test(f.label))).toBe(false);
    expect(findings.some((f) => /diamond5.*rabbitmq/.test(f.label))).toBe(false);
  });

  it("says 'not measured' (null) rather than passing a target it could not check", () => {
    const [f] = compareResults([
      sampleResult({ system: "tasker", backend: "postgres", mode: "latency", p50_ms: null }),
    ]);
    expect(f).toMatchObject({ value: null, met: null });
  });

  it("compares a remote worker with the in-process one, and keeps it out of the engine's own targets", () => {
    const base = sampleFile().results;
    const remote = [
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "latency",
        worker: "remote-python",
        p50_ms: 6,
      }),
      sampleResult({
        system: "tasker",
        backend: "postgres",
        mode: "throughput",
        worker: "remote-python",
        concurrency: 8,
        steps_per_s: 5000,
      }),
    ];
    const all = compareResults([...remote, ...base]);
    const find = (label: RegExp) => all.find((f) => label.test(f.label));
    // The engine's targets still read the in-process figures (8 ms, 1200 steps/s), though the
    // remote ones come first and look better.
    expect(find(/linear5 p50 latency on postgres/)).toMatchObject({ value: 8 });
    expect(find(/throughput on postgres/)).toMatchObject({ value: 1200 });
    expect(find(/linear5 p50 latency, remote-python worker ÷ in-process/)).toMatchObject({
      value: 0.75,
      met: true,
      target: "≤ 1.5×",
    });
    expect(find(/steps\/s at concurrency 8, remote-python worker \(postgres\)/)).toMatchObject({
      value: 5000,
      met: true,
    });
    expect(find(/concurrency 8, remote-python worker ÷ in-process/)?.value).toBeGreaterThan(0);
  });
});

describe("the example app under load", () => {
  const app = (backend: "postgres" | "pglite", ordersPerS: number, transactions: number | null) =>
    sampleResult({
      system: "tasker",
      backend,
      mode: "app",
      workflow: null,
      concurrency: 16,
      p50_ms: 100,
      p99_ms: 250,
      tasks_per_s: ordersPerS,
      transactions_per_task: transactions,
    });
  const findingsOf = (...extra: ReturnType<typeof app>[]) => {
    const all = compareResults([...sampleFile().results, ...extra]);
    return (label: RegExp) => all.find((f) => label.test(f.label));
  };

  it("divides orders/s by pgbench's transactions/s over the transactions one order needs", () => {
    // pgbench 4000 transactions/s, 20 transactions per order: a ceiling of 200 orders/s.
    const get = findingsOf(app("postgres", 170, 20), app("pglite", 100, null));
    expect(get(/app on postgres: completed orders\/s/)).toMatchObject({ value: 170 });
    expect(get(/app on postgres: orders\/s ÷ ceiling/)).toMatchObject({
      value: 0.85,
      met: true,
      target: "≥ 0.8×",
      label: expect.stringContaining("= 200 orders/s"),
    });
    // Embedded, PostgreSQL's count of transactions stands in: 100 / 200 < 0.6.
    expect(get(/app on pglite: transactions per order \(PostgreSQL's count\)/)?.value).toBe(20);
    expect(get(/app on pglite: orders\/s ÷ ceiling/)).toMatchObject({
      value: 0.5,
      met: false,
      target: "≥ 0.6×",
    });
  });

  it("takes the median of the rounds' ratios, each round against the pgbench run before it", () => {
    // Round by round on PostgreSQL: 170 x 20 / 4000 = 0.85, 120 x 20 / 2000 = 1.2, 150 x 20 / 5000 = 0.6.
    // The medians' ratio (150 orders/s against 4000) would read 0.75.
    const rounds = { pgbench_transactions_per_s_rounds: [4000, 2000, 5000] };
    const get = findingsOf(
      {
        ...app("postgres", 150, 20),
        ...rounds,
        tasks_per_s_rounds: [170, 120, 150],
        transactions_per_task_rounds: [20, 20, 20],
      },
      // Embedded counts PostgreSQL's transactions per order: 100 x 20 / 4000, 90 x 20 / 2000, 80 x 20 / 5000.
      { ...app("pglite", 90, null), ...rounds, tasks_per_s_rounds: [100, 90, 80] },
    );
    expect(get(/app on postgres: orders\/s ÷ ceiling/)).toMatchObject({
      value: 0.85,
      met: true,
      label: expect.stringContaining("the median of 3 rounds' ratios"),
    });
    expect(get(/app on pglite: orders\/s ÷ ceiling/)).toMatchObject({ value: 0.5, met: false });
  });

  it("leaves the ratio unmeasured when nothing counted the transactions", () => {
    const get = findingsOf(app("pglite", 100, null));
    expect(get(/app on pglite: orders\/s ÷ ceiling/)).toMatchObject({ value: null, met: null });
  });
});
