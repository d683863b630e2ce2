import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The read model's first rule (README.md): its queries only read.
const WRITES =
  /\b(INSERT\s+INTO|UPDATE\s+tasker\.|DELETE\s+FROM|FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+SHARE|pg_advisory|pg_notify|NOTIFY\s)/i;

describe("ui/data", () => {
  const dir = new URL("./", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));

  it("has queries, and none of them writes, locks or notifies", () => {
    expect(files.some((f) => /\bSELECT\b/.test(readFileSync(new URL(f, dir), "utf8")))).toBe(true);
    for (const file of files) {
      expect(readFileSync(new URL(file, dir), "utf8").match(WRITES)?.[0], file).toBeUndefined();
    }
  });
});
