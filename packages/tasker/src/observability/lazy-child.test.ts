import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { lazyChild } from "./lazy-child.js";

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
