import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { PermanentError, RetryableError } from "./errors.js";
import { causeChain, describeError } from "./run-handler.js";

/** What a query builder throws (Drizzle: DrizzleQueryError), wrapping the driver's error. */
class QueryBuilderError extends Error {
  constructor(sql: string, cause: unknown) {
    super(`Failed query: ${sql}\nparams: 99`, { cause });
    this.name = "DrizzleQueryError";
  }
}

describe("describeError keeps the cause chain (issue #28: 'Failed query: insert ...' without the reason)", () => {
  it("a real PostgreSQL error under a query builder's: the reason in the message, its fields in metadata", async () => {
    const db = await PGlite.create("memory://");
    await db.exec(
      "CREATE TABLE orders (id int PRIMARY KEY); CREATE TABLE payments (order_id int NOT NULL CONSTRAINT payments_order_id_fkey REFERENCES orders (id))",
    );
    const pgError = await db
      .query("INSERT INTO payments (order_id) VALUES ($1)", [99])
      .catch((e: unknown) => e);
    await db.close();
    const stored = describeError(
      new QueryBuilderError('insert into "payments" ("order_id") values ($1)', pgError),
    );
    expect(stored.message).toContain('Failed query: insert into "payments"');
    expect(stored.message).toMatch(
      /\(caused by \w+ 23503: insert or update on table "payments" violates foreign key constraint "payments_order_id_fkey"; Key \(order_id\)=\(99\) is not present in table "orders"\.\)$/,
    );
    expect(stored.metadata).toEqual({
      cause: [
        expect.objectContaining({
          code: "23503",
          constraint: "payments_order_id_fkey",
          detail: 'Key (order_id)=(99) is not present in table "orders".',
          table: "payments",
        }),
      ],
    });
    expect(stored).toMatchObject({ code: "DrizzleQueryError", retryable: true, kind: "retryable" });
  });

  it("keeps a typed error's metadata and adds the causes; says nothing twice", () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "u"'), {
      code: "23505",
      constraint: "u",
    });
    const permanent = describeError(
      new PermanentError("order already exists", { metadata: { order: 7 }, cause }),
    );
    expect(permanent.message).toBe(
      'order already exists (caused by Error 23505: duplicate key value violates unique constraint "u")',
    );
    expect(permanent.metadata).toEqual({
      order: 7,
      cause: [
        {
          name: "Error",
          message: 'duplicate key value violates unique constraint "u"',
          code: "23505",
          constraint: "u",
        },
      ],
    });
    const echoed = describeError(new RetryableError(`store failed: ${cause.message}`, { cause }));
    expect(echoed.message).toBe(`store failed: ${cause.message}`);
    expect(describeError(new Error("plain")).metadata).toBeNull();
  });

  it("follows the chain a few levels, stopping at cycles", () => {
    const root = new Error("root");
    const middle = new Error("middle", { cause: root });
    const top = new Error("top", { cause: middle });
    root.cause = top;
    expect(causeChain(top).map((c) => c.message)).toEqual(["middle", "root"]);
  });
});
