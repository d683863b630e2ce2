import { describe, expect, it } from "vitest";
import { parseBenchArgs, planTransports, type RabbitMqProbe, redactUrl } from "./options.js";

describe("parseBenchArgs", () => {
  it("defaults to the full benchmark the issue asks for", () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({
      quick: false,
      backends: ["pglite", "postgres"],
      parts: [
        "latency",
        "throughput",
        "shapes",
        "decision",
        "batch",
        "idle",
        "scale",
        "graphile",
        "remote",
        "pgbench",
        "startup",
        "app",
        "creation",
      ],
      transports: null,
      runs: 50,
      tasks: 1000,
      concurrency: [8, 32],
      history: 100_000,
      pgbenchSeconds: 10,
      idleSeconds: 10,
      shapeSteps: 5000,
      shapeRounds: 3,
      batchItems: 10_000,
      batchJobs: 4,
      runTimeRounds: 3,
      startupRuns: 5,
      appRounds: 3,
      appSeconds: 15,
      appWarmupSeconds: 5,
      appConnections: 16,
      creates: 2000,
      batches: 10,
      batchSize: 1000,
      creationRounds: 3,
      outDir: "bench/results",
    });
  });

  it("takes the creation part's sizes, a batch at most what one call may create", () => {
    const o = parseBenchArgs([
      "--creates",
      "500",
      "--batches",
      "3",
      "--batch-size",
      "250",
      "--creation-rounds",
      "2",
    ]);
    expect(o).toMatchObject({ creates: 500, batches: 3, batchSize: 250, creationRounds: 2 });
    expect(() => parseBenchArgs(["--batch-size", "1001"])).toThrow(/--batch-size must be at most 1000/);
    expect(parseBenchArgs(["--quick"]).creates).toBeLessThan(100);
  });

  it("--quick shrinks every size and writes apart from the committed results", () => {
    const o = parseBenchArgs(["--quick"]);
    expect(o.quick).toBe(true);
    expect(o.runs).toBeLessThan(10);
    expect(o.tasks).toBeLessThan(100);
    expect(o.history).toBeLessThan(10_000);
    expect(o.idleSeconds).toBeLessThan(5);
    expect(o.appSeconds).toBeLessThan(5);
    expect(o.shapeSteps).toBeLessThan(1000);
    expect(o.shapeRounds).toBe(1);
    expect(o.outDir).toBe("bench/results/quick");
  });

  it("explicit flags win over the preset", () => {
    const o = parseBenchArgs([
      "--quick",
      "--runs",
      "7",
      "--concurrency",
      "4, 16",
      "--only",
      "latency,pgbench",
    ]);
    expect(o.runs).toBe(7);
    expect(o.concurrency).toEqual([4, 16]);
    expect(o.parts).toEqual(["latency", "pgbench"]);
  });

  it("takes no warm-up of the app when asked, and refuses a part of a second", () => {
    expect(parseBenchArgs(["--app-warmup", "0"]).appWarmupSeconds).toBe(0);
    expect(parseBenchArgs(["--quick"]).appWarmupSeconds).toBeLessThan(parseBenchArgs([]).appWarmupSeconds);
    expect(() => parseBenchArgs(["--app-warmup", "1.5"])).toThrow(
      /--app-warmup must be a whole number >= 0, got "1.5"/,
    );
  });

  it("names the flag and what it accepts on bad input", () => {
    expect(() => parseBenchArgs(["--runs", "0"])).toThrow(/--runs must be a whole number >= 1, got "0"/);
    expect(() => parseBenchArgs(["--tasks", "1.5"])).toThrow(/--tasks/);
    expect(() => parseBenchArgs(["--backends", "sqlite"])).toThrow(
      /--backends .*pglite, postgres; unknown: sqlite/,
    );
    expect(() => parseBenchArgs(["--only", ","])).toThrow(/--only .*got nothing/);
    expect(() => parseBenchArgs(["--transports", "kafka"])).toThrow(
      /--transports .*postgres, rabbitmq; unknown: kafka/,
    );
    expect(() => parseBenchArgs(["--fast"])).toThrow(/--fast[\s\S]*--quick/);
  });
});

describe("--transports", () => {
  it("takes a list, without duplicates", () => {
    expect(parseBenchArgs(["--transports", "rabbitmq, postgres,rabbitmq"]).transports).toEqual([
      "rabbitmq",
      "postgres",
    ]);
  });
});

describe("planTransports", () => {
  const up: RabbitMqProbe = { url: "amqp://guest:***@127.0.0.1:5672", version: "3.10.8" };
  const down: RabbitMqProbe = {
    url: "amqp://guest:***@127.0.0.1:5672",
    version: null,
    error: "connect ECONNREFUSED 127.0.0.1:5672",
  };

  it("measures both transports by default when RabbitMQ answers", () => {
    expect(planTransports(null, ["pglite", "postgres"], up)).toEqual({
      transports: ["postgres", "rabbitmq"],
    });
  });

  it("by default leaves RabbitMQ out with a note saying where it was asked and why it failed", () => {
    const plan = planTransports(null, ["postgres"], down);
    expect(plan.transports).toEqual(["postgres"]);
    expect(plan.note).toMatch(
      /not measured: RabbitMQ does not answer on amqp:\/\/guest:\*\*\*@127.0.0.1:5672/,
    );
    expect(plan.note).toContain("ECONNREFUSED");
  });

  it("refuses an explicit --transports rabbitmq it cannot honour, saying what to do", () => {
    expect(() => planTransports(["postgres", "rabbitmq"], ["postgres"], down)).toThrow(
      /does not answer .*start it .*--transports postgres/,
    );
    expect(() => planTransports(["rabbitmq"], ["pglite"], up)).toThrow(
      /PostgreSQL only.*--backends postgres/,
    );
  });

  it("keeps an explicit choice, and needs no broker without PostgreSQL or without rabbitmq", () => {
    expect(planTransports(["rabbitmq"], ["postgres"], up)).toEqual({ transports: ["rabbitmq"] });
    expect(planTransports(["postgres"], ["postgres"], down)).toEqual({ transports: ["postgres"] });
    expect(planTransports(null, ["pglite"], down)).toEqual({ transports: ["postgres"] });
  });
});

describe("redactUrl", () => {
  it("hides the password and keeps the rest", () => {
    expect(redactUrl("amqp://bench:s3cret@rabbit:5672/vhost")).toBe("amqp://bench:***@rabbit:5672/vhost");
    expect(redactUrl("amqp://127.0.0.1")).toBe("amqp://127.0.0.1");
    expect(redactUrl("not a url")).toBe("(unparseable URL)");
  });
});
