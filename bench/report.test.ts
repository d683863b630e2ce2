import { describe, expect, it } from "vitest";
import { renderMarkdown, resultsTable } from "./report.js";
import { BenchFileSchema } from "./results.js";
import { sampleFile } from "./testing/sample-file.js";

describe("resultsTable", () => {
  it("has one row per result with the issue's columns", () => {
    const lines = resultsTable(sampleFile().results).split("\n");
    expect(lines[0]).toMatch(
      /^\| system \| backend \| transport \| workflow \| mode \| history \| conc\. \| p50 ms \| p95 ms \| p99 ms \| steps\/s \| tasks\/s/,
    );
    expect(lines[0]).toContain("| queries/task | round trips/task | queries/s |");
    expect(lines).toHaveLength(2 + sampleFile().results.length);
    expect(lines[2]).toContain("| tasker | postgres | rabbitmq | linear5 | latency | 0 | 1 | 12 | 20 | 25 |");
    expect(lines[5]).toContain(
      "| tasker | postgres | postgres | linear5 | latency | 100,000 | 1 | 10 | 13 | 16 |",
    );
    // An idle engine: no workflow, its statements per second in the last column.
    expect(lines.at(-3)).toMatch(
      /^\| tasker \| postgres \| rabbitmq \| – \| idle \| 0 \| 10 \| (– \| ){8}6 \|$/,
    );
    // pgbench: its transactions/s stand in the steps/s column, its workflow is named.
    expect(lines.at(-1)).toContain(
      "| pgbench | postgres | – | simple-update | throughput | 0 | 8 | – | – | – | 4000 |",
    );
  });
});

describe("renderMarkdown", () => {
  it("shows the machine, the targets with marks and the notes", () => {
    const md = renderMarkdown(sampleFile());
    expect(md).toContain("2× Test CPU");
    expect(md).toContain("load 1.5 → 2.0");
    expect(md).toContain("PGlite 0.5.16 · RabbitMQ 3.10.8 · load");
    expect(md).toContain("- ✅ linear5 p50 latency on postgres: **8 ms** (target ≤ 10 ms)");
    expect(md).toContain("- ❌ linear5 p50 latency on pglite: **6 ms** (target ≤ 5 ms)");
    expect(md).toContain("- pgbench took 10 s");
    expect(md).not.toContain("quick smoke run");
  });

  it("names RabbitMQ only when it was measured", () => {
    const file = sampleFile();
    file.machine.rabbitmq = null;
    expect(renderMarkdown(file)).not.toContain("· RabbitMQ");
  });

  it("marks a quick run as one not to read figures from", () => {
    expect(renderMarkdown({ ...sampleFile(), quick: true })).toMatch(/^# .*quick smoke run/);
  });
});

describe("BenchFileSchema", () => {
  it("accepts a results file and rejects one with an unknown system", () => {
    expect(BenchFileSchema.safeParse(sampleFile()).success).toBe(true);
    const bad = sampleFile();
    (bad.results[0] as { system: string }).system = "temporal";
    const parsed = BenchFileSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["results", 0, "system"]);
  });

  it("reads files from before the transport field: tasker used the queue tables, baselines have none", () => {
    const old = JSON.parse(JSON.stringify(sampleFile())) as {
      machine: Record<string, unknown>;
      results: Record<string, unknown>[];
    };
    delete old.machine.rabbitmq;
    old.results = old.results.filter((r) => r.transport !== "rabbitmq" && r.mode !== "idle");
    for (const r of old.results) {
      delete r.transport;
      delete r.queries_per_s;
    }
    const parsed = BenchFileSchema.parse(old);
    expect(parsed.machine.rabbitmq).toBeNull();
    expect(parsed.results.find((r) => r.system === "tasker")?.transport).toBe("postgres");
    expect(parsed.results.find((r) => r.system === "pgbench")?.transport).toBeNull();
    expect(parsed.results.every((r) => r.queries_per_s === null)).toBe(true);
  });

  it("rejects an unknown transport", () => {
    const bad = sampleFile();
    (bad.results[0] as { transport: string }).transport = "kafka";
    expect(BenchFileSchema.safeParse(bad).error?.issues[0]?.path).toEqual(["results", 0, "transport"]);
  });
});
