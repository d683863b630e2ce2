import { describe, expect, it } from "vitest";
import {
  appRoundsResult,
  cpuSpent,
  type LoadObservation,
  loadResult,
  ORDER_STEPS,
  orderBody,
} from "./app-load.js";
import { BenchResultSchema, emptyResult } from "./results.js";

describe("orderBody", () => {
  it("buys one unit of each product in proportion to its seed stock", () => {
    const skus = Array.from({ length: 17 }, (_, i) => JSON.parse(orderBody(i)).items[0].sku);
    expect(skus.filter((s) => s === "WIDGET-001")).toHaveLength(10);
    expect(skus.filter((s) => s === "GADGET-002")).toHaveLength(5);
    expect(skus.filter((s) => s === "GIZMO-003")).toHaveLength(2);
    expect(JSON.parse(orderBody(17)).items[0].sku).toBe("WIDGET-001");
  });
});

describe("loadResult", () => {
  const observed: LoadObservation = {
    backend: "postgres",
    connections: 16,
    accepted: 1000,
    rejected: 2,
    completed: 990,
    failed: 10,
    loadMs: 10_000,
    lastCompletionMs: 11_000,
    latency: { p50: 90, p97_5: 200, p99: 260 },
    transactions: 19_800,
    appCpuMs: 4950,
    dbCpuMs: 2970,
  };

  it("counts completed orders over load start to the last completion, not the 201s", () => {
    const r = loadResult(observed);
    expect(r).toMatchObject({
      mode: "app",
      concurrency: 16,
      runs: 990,
      tasks_per_s: 90,
      steps_per_s: 90 * ORDER_STEPS,
      accepted_per_s: 100,
      drain_ms: 1000,
      duration_ms: 11_000,
      p50_ms: 90,
      p99_ms: 260,
      rejected: 2,
      failed_tasks: 10,
      transactions_per_task: 20,
      cpu_ms_per_task: 5,
      db_cpu_ms_per_task: 3,
    });
    expect(BenchResultSchema.parse(r)).toEqual(r);
  });

  it("leaves per-order figures empty when nothing completed or nothing was counted", () => {
    const r = loadResult({ ...observed, completed: 0, transactions: null, lastCompletionMs: 0 });
    expect(r).toMatchObject({ tasks_per_s: 0, transactions_per_task: null, cpu_ms_per_task: null, runs: 1 });
  });
});

describe("appRoundsResult", () => {
  const round = (ordersPerS: number, transactions: number | null, p50: number) => ({
    ...emptyResult({
      system: "tasker",
      backend: "postgres",
      transport: "postgres",
      workflow: null,
      mode: "app",
      concurrency: 16,
      runs: 100,
    }),
    tasks_per_s: ordersPerS,
    transactions_per_task: transactions,
    p50_ms: p50,
  });

  it("reports the median round's figures with every round's beside them", () => {
    const r = appRoundsResult([
      { result: round(150, 17.2, 40), pgbenchTransactionsPerS: 3800 },
      { result: round(120, 17.4, 55), pgbenchTransactionsPerS: 3300 },
      { result: round(180, 17.3, 35), pgbenchTransactionsPerS: 4100 },
    ]);
    expect(r).toMatchObject({ tasks_per_s: 150, p50_ms: 40, transactions_per_task: 17.2 });
    expect(r.tasks_per_s_rounds).toEqual([150, 120, 180]);
    expect(r.transactions_per_task_rounds).toEqual([17.2, 17.4, 17.3]);
    expect(r.pgbench_transactions_per_s_rounds).toEqual([3800, 3300, 4100]);
  });

  it("leaves a per-round list out when a round did not measure it", () => {
    const r = appRoundsResult([
      { result: round(100, null, 120), pgbenchTransactionsPerS: 3800 },
      { result: round(110, null, 110), pgbenchTransactionsPerS: null },
    ]);
    expect(r.tasks_per_s).toBe(100); // the lower middle of two
    expect(r.transactions_per_task_rounds).toBeNull();
    expect(r.pgbench_transactions_per_s_rounds).toBeNull();
  });
});

describe("cpuSpent", () => {
  it("adds each backend's CPU since the first reading; one connected meanwhile counts whole", () => {
    const before = new Map([
      [10, 100],
      [11, 50],
    ]);
    const after = new Map([
      [10, 160],
      [11, 50],
      [12, 30],
    ]);
    expect(cpuSpent(before, after)).toBe(90);
    expect(cpuSpent(null, after)).toBeNull();
  });
});
