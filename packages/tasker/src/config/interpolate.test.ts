// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the interpolation syntax under test, not a mistaken template
import { describe, expect, it } from "vitest";
import { interpolateEnv, interpolateString } from "./interpolate.js";

const env = { DB_HOST: "db.internal", EMPTY: "", PORT: "5433" };

describe("interpolateString", () => {
  it("replaces ${VAR} with its value", () => {
    expect(interpolateString("postgres://${DB_HOST}:${PORT}/tasker", env)).toEqual({
      value: "postgres://db.internal:5433/tasker",
    });
  });

  it("uses the default of ${VAR:-default} when VAR is unset or empty", () => {
    expect(interpolateString("${MISSING:-localhost}", env)).toEqual({ value: "localhost" });
    expect(interpolateString("${EMPTY:-fallback}", env)).toEqual({ value: "fallback" });
    expect(interpolateString("${DB_HOST:-fallback}", env)).toEqual({ value: "db.internal" });
    expect(interpolateString("${MISSING:-}", env)).toEqual({ value: "" });
    expect(interpolateString("${MISSING:-a:b/c?d=e}", env)).toEqual({ value: "a:b/c?d=e" });
  });

  it("keeps an empty but set variable without a default", () => {
    expect(interpolateString("[${EMPTY}]", env)).toEqual({ value: "[]" });
  });

  it("errors on an unset variable without a default, saying how to fix it", () => {
    expect(interpolateString("${DATABASE_URL}", env)).toEqual({
      error:
        "environment variable DATABASE_URL is not set; set it, or give a default: ${DATABASE_URL:-value}",
    });
  });

  it("errors on malformed references", () => {
    expect(interpolateString("${DB_HOST", env)).toMatchObject({
      error: expect.stringContaining('unclosed "${"'),
    });
    expect(interpolateString("${1BAD}", env)).toMatchObject({
      error: expect.stringContaining('"${1BAD}" is not a valid reference'),
    });
    expect(interpolateString("${A:-${B}}", env)).toMatchObject({
      error: expect.stringContaining("not a valid reference"),
    });
  });

  it("leaves other dollars alone and turns $${ into a literal ${", () => {
    expect(interpolateString("cost $5, $HOME, $${NOT_A_VAR}", env)).toEqual({
      value: "cost $5, $HOME, ${NOT_A_VAR}",
    });
  });
});

describe("interpolateEnv", () => {
  it("interpolates every string in nested tables and arrays, leaving other values", () => {
    const { value, issues } = interpolateEnv(
      { a: { url: "${DB_HOST}", n: 3, on: true }, list: ["${PORT}", "x"], keys: [{ key: "${MISSING:-k}" }] },
      env,
    );
    expect(issues).toEqual([]);
    expect(value).toEqual({
      a: { url: "db.internal", n: 3, on: true },
      list: ["5433", "x"],
      keys: [{ key: "k" }],
    });
  });

  it("reports each failure with its path", () => {
    const { issues } = interpolateEnv(
      { common: { database: { url: "${NOPE}" } }, list: ["ok", "${ALSO_NOPE}"] },
      env,
    );
    expect(issues.map((i) => i.path)).toEqual([
      ["common", "database", "url"],
      ["list", 1],
    ]);
  });
});
