import { describe, expect, it } from "vitest";
import { parsePgbenchTps } from "./pgbench.js";

describe("parsePgbenchTps", () => {
  it("reads the transactions per second of PostgreSQL 15+ and older reports", () => {
    const v15 = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: <builtin: simple update>
number of clients: 8
latency average = 3.021 ms
initial connection time = 12.480 ms
tps = 2648.132911 (without initial connection time)`;
    expect(parsePgbenchTps(v15)).toBe(2648.132911);
    expect(parsePgbenchTps("tps = 901.5 (excluding initial connection time)\n")).toBe(901.5);
  });

  it("shows pgbench's output when the figure is missing", () => {
    expect(() => parsePgbenchTps("connection to server failed")).toThrow(
      /no "tps = N[\s\S]*connection to server failed/,
    );
  });
});
