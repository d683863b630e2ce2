import { describe, expect, it } from "vitest";
import { createLogger, defaultLogFormat } from "./logger.js";
import { prettyLine } from "./pretty-lines.js";

describe("log format (issue #28: JSON lines on a terminal)", () => {
  it("is readable text on a terminal and JSON otherwise, unless TASKER_LOG_FORMAT says", () => {
    expect(defaultLogFormat({}, { isTTY: true })).toBe("pretty");
    expect(defaultLogFormat({}, { isTTY: false })).toBe("json");
    expect(defaultLogFormat({}, {})).toBe("json");
    expect(defaultLogFormat({ TASKER_LOG_FORMAT: "json" }, { isTTY: true })).toBe("json");
    expect(defaultLogFormat({ TASKER_LOG_FORMAT: "pretty" }, { isTTY: false })).toBe("pretty");
  });

  it("writes time, level, who, message and the fields", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      name: "hono-app",
      format: "pretty",
      destination: { write: (t: string) => lines.push(t) },
    });
    logger.child({ component: "worker" }).warn({ step: "a", attempt: 2, note: "two words" }, "step failed");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} {2}WARN {3}hono-app\/worker {2}step failed {2}step=a attempt=2 note="two words"\n$/,
    );
  });

  it("stays JSON when asked", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      format: "json",
      destination: { write: (t: string) => lines.push(t) },
    });
    logger.info({ step: "a" }, "hello");
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "hello", step: "a", level: 30 });
  });

  it("shows an error's message and stack, and passes through what is not JSON", () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: "boom",
        err: { message: "bad", stack: "Error: bad\n    at x" },
      }),
      false,
    );
    expect(line).toBe('00:00:00.000  ERROR  boom  err="bad"\nError: bad\n    at x');
    expect(prettyLine("not json", false)).toBe("not json");
  });
});
