import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { lazyChild, unboundFields } from "./lazy-child.js";

/** A pino logger writing to an array (without the time, so eager and lazy lines compare equal). */
function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level, base: { name: "t" }, timestamp: false }, stream);
  return { logger, lines: () => lines };
}

const flush = () => new Promise((r) => setImmediate(r));
const BINDINGS = { task_uuid: "t-1", step_uuid: "s-1", step: "a", attempt: 1 };

describe("lazyChild", () => {
  it("writes the same lines as parent.child(bindings)", async () => {
    const eager = capture();
    const lazy = capture();
    for (const { logger, make } of [
      { logger: eager.logger, make: () => eager.logger.child(BINDINGS) },
      { logger: lazy.logger, make: () => lazyChild(lazy.logger, BINDINGS) },
    ]) {
      const log = make();
      log.debug("not written at info");
      log.info({ x: 1 }, "one");
      log.warn("two");
      log.child({ more: true }).error({ err: "e" }, "three");
      logger.info("parent line");
    }
    await flush();
    expect(lazy.lines()).toEqual(eager.lines());
    expect(lazy.lines().map((l) => l.msg)).toEqual(["one", "two", "three", "parent line"]);
    expect(lazy.lines()[2]).toMatchObject({ ...BINDINGS, more: true });
  });

  it("does not make the child while only disabled levels are called", () => {
    const { logger } = capture("info");
    const child = vi.spyOn(logger, "child");
    const log = lazyChild(logger, BINDINGS);
    log.debug("x");
    log.trace({ a: 1 }, "y");
    expect(child).not.toHaveBeenCalled();
    log.info("z");
    log.info("again");
    expect(child).toHaveBeenCalledTimes(1);
  });

  it("follows the parent's level like a pino child (which inherits it) until it sets its own", async () => {
    const { logger, lines } = capture("info");
    const log = lazyChild(logger, BINDINGS);
    logger.level = "debug";
    log.debug("now enabled");
    expect(log.level).toBe("debug");
    log.level = "error";
    log.warn("off on the child");
    expect(logger.level).toBe("debug");
    expect(log.isLevelEnabled("warn")).toBe(false);
    await flush();
    expect(lines().map((l) => l.msg)).toEqual(["now enabled"]);
  });

  it("is seen as a pino logger (prototype, bindings)", () => {
    const { logger } = capture();
    const log = lazyChild(logger, BINDINGS);
    expect(Object.getPrototypeOf(log)).toBe(logger);
    expect(log.bindings()).toMatchObject(BINDINGS);
    expect("info" in log).toBe(true);
  });
});

describe("lazyChild of a lazy child", () => {
  it("makes neither while nothing is written, and both (in order) when something is", async () => {
    const { logger, lines } = capture("info");
    const child = vi.spyOn(logger, "child");
    const outer = lazyChild(logger, { task_uuid: "t-1" });
    const inner = lazyChild(outer, { step: "a" });
    inner.debug("x");
    expect(inner.isLevelEnabled("debug")).toBe(false);
    expect(child).not.toHaveBeenCalled();
    inner.info("y");
    await flush();
    // The outer child from the root, the inner one from it (it inherits the spied method).
    expect(child).toHaveBeenCalledTimes(2);
    expect(lines()).toEqual([expect.objectContaining({ task_uuid: "t-1", step: "a", msg: "y" })]);
  });
});

/** The raw JSON text of each line, to see keys written twice (JSON.parse keeps only the last). */
function captureRaw() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "info", base: null, timestamp: false }, stream), lines };
}

const count = (text: string, key: string) => text.split(`"${key}":`).length - 1;

describe("step log lines write each field once (issue #28: they repeated task_uuid, step_uuid, step, attempt)", () => {
  it("a lazy child of a logger already bound to the same values adds only what is new", async () => {
    const { logger, lines } = captureRaw();
    const step = lazyChild(logger, BINDINGS);
    const outcome = lazyChild(step, { task_uuid: "t-1", step_uuid: "s-1", step: "a", correlation_id: "c" });
    outcome.info("stored");
    await flush();
    for (const key of ["task_uuid", "step_uuid", "step", "attempt", "correlation_id"]) {
      expect(count(lines[0]!, key), key).toBe(1);
    }
    // A different value is kept (it is information).
    lazyChild(step, { step: "b" }).info("other");
    await flush();
    expect(JSON.parse(lines[1]!).step).toBe("b");
  });

  it("unboundFields drops fields the logger carries with the same value", () => {
    const { logger } = captureRaw();
    const step = logger.child(BINDINGS);
    expect(unboundFields(step, { attempt: 1, delay_ms: 96 })).toEqual({ delay_ms: 96 });
    expect(unboundFields(step, { attempt: 2 })).toEqual({ attempt: 2 });
    expect(unboundFields(logger, { attempt: 1 })).toEqual({ attempt: 1 });
  });
});
