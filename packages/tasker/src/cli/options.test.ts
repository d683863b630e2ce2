import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { CliError } from "./exit-codes.js";
import { commaList, port, positiveInt, redactUrl, resolveDatabaseLocation, seconds } from "./options.js";

describe("resolveDatabaseLocation", () => {
  const pg = "postgres://app:secret@db:5432/tasker";

  it("uses a postgres URL from the flag or the environment, never printing the password", () => {
    const location = resolveDatabaseLocation({ databaseUrl: pg }, "cli");
    expect(location.databaseUrl).toBe(pg);
    expect(location.description).toBe("PostgreSQL postgres://app:***@db:5432/tasker");
    expect(resolveDatabaseLocation({ databaseUrl: pg }, "env").databaseUrl).toBe(pg);
  });

  it("lets --data-dir win over DATABASE_URL from the environment", () => {
    expect(resolveDatabaseLocation({ databaseUrl: pg, dataDir: "/tmp/d" }, "env")).toEqual({
      dataDir: "/tmp/d",
      description: "PGlite /tmp/d",
    });
  });

  it("rejects --database-url with --data-dir, and a non-postgres --database-url, as usage errors", () => {
    const both = () => resolveDatabaseLocation({ databaseUrl: pg, dataDir: "/tmp/d" }, "cli");
    expect(both).toThrow(CliError);
    expect(both).toThrow(/only one/);
    expect(() => resolveDatabaseLocation({ databaseUrl: "mysql://x" }, "cli")).toThrow(/postgres:\/\//);
  });

  it("ignores a non-postgres DATABASE_URL from the environment (as the engine does)", () => {
    expect(resolveDatabaseLocation({ databaseUrl: "file:./x.db" }, "env")).toEqual({
      description: "PGlite (default data directory)",
    });
  });
});

describe("redactUrl", () => {
  it("masks passwords and leaves other URLs alone", () => {
    expect(redactUrl("postgres://u:p@h/db")).toBe("postgres://u:***@h/db");
    expect(redactUrl("postgres://h/db")).toBe("postgres://h/db");
    expect(redactUrl("")).toBe("");
  });
});

describe("option parsers", () => {
  it("parse good values and name the problem with bad ones", () => {
    expect(positiveInt("12")).toBe(12);
    expect(() => positiveInt("0")).toThrow(InvalidArgumentError);
    expect(() => positiveInt("ten")).toThrow(/positive whole number, got "ten"/);
    expect(port("0")).toBe(0);
    expect(() => port("70000")).toThrow(/0-65535/);
    expect(seconds("1.5")).toBe(1.5);
    expect(() => seconds("-1")).toThrow(/seconds/);
    expect(commaList(" a, b,,c ")).toEqual(["a", "b", "c"]);
    expect(commaList("c", ["a", "b"])).toEqual(["a", "b", "c"]);
  });
});
