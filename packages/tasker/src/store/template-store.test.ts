import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TaskTemplate, TaskTemplateSchema } from "../template/schema.js";
import type { Database } from "./database.js";
import { migrate } from "./migrate.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { compareSemver, TemplateStore } from "./template-store.js";

/** Semver 2.0's own precedence example, lowest first, plus releases around it. */
const ORDERED = [
  "0.9.9",
  "1.0.0-0",
  "1.0.0-1",
  "1.0.0-2",
  "1.0.0-10",
  "1.0.0-alpha",
  "1.0.0-alpha.1",
  "1.0.0-alpha.beta",
  "1.0.0-beta",
  "1.0.0-beta.2",
  "1.0.0-beta.11",
  "1.0.0-rc",
  "1.0.0-rc.1",
  "1.0.0-rc-1", // one identifier "rc-1", which sorts after "rc" in ASCII
  "1.0.0",
  "1.0.1",
  "1.2.0",
  "1.9.0",
  "1.10.0",
  "2.0.0-rc.1",
  "2.0.0",
  "10.0.0",
];

const sign = (n: number) => Math.sign(n);

describe("compareSemver", () => {
  it("orders the semver precedence example exactly", () => {
    for (let i = 0; i < ORDERED.length; i++) {
      for (let j = 0; j < ORDERED.length; j++) {
        expect(sign(compareSemver(ORDERED[i]!, ORDERED[j]!)), `${ORDERED[i]} vs ${ORDERED[j]}`).toBe(
          sign(i - j),
        );
      }
    }
  });

  it("sorts any shuffle back into order", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(ORDERED, { minLength: ORDERED.length }), (shuffled) => {
        expect([...shuffled].sort(compareSemver)).toEqual(ORDERED);
      }),
      { numRuns: 200 },
    );
  });

  it("compares numbers numerically, not as text", () => {
    expect(compareSemver("1.10.0", "1.9.0")).toBeGreaterThan(0);
    expect(compareSemver("0.0.10", "0.0.9")).toBeGreaterThan(0);
    expect(compareSemver("1.0.0-beta.11", "1.0.0-beta.2")).toBeGreaterThan(0);
  });

  it("puts a pre-release before its release and after the previous release", () => {
    expect(compareSemver("2.0.0-alpha", "2.0.0")).toBeLessThan(0);
    expect(compareSemver("2.0.0-alpha", "1.99.99")).toBeGreaterThan(0);
  });

  it("ignores build metadata", () => {
    expect(compareSemver("1.0.0+build.1", "1.0.0+build.2")).toBe(0);
    expect(compareSemver("1.0.0-rc.1+sha.abc", "1.0.0-rc.1")).toBe(0);
    expect(compareSemver("1.0.0+build", "1.0.0-rc.1")).toBeGreaterThan(0);
  });

  it("keeps everything after the first hyphen as the pre-release", () => {
    expect(compareSemver("1.0.0-rc-1", "1.0.0-rc")).toBeGreaterThan(0);
    expect(compareSemver("1.0.0-rc-1", "1.0.0-rc-2")).toBeLessThan(0);
  });

  it("is antisymmetric and consistent with equality (property)", () => {
    const id = fc.oneof(fc.nat({ max: 20 }).map(String), fc.constantFrom("alpha", "beta", "rc", "x-y"));
    const version = fc
      .tuple(
        fc.nat({ max: 12 }),
        fc.nat({ max: 12 }),
        fc.nat({ max: 12 }),
        fc.option(fc.array(id, { minLength: 1, maxLength: 3 })),
      )
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre.join(".")}` : ""}`);
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        // `|| 0`: for equal versions -sign(0) is -0, which toBe (Object.is) tells from 0.
        expect(sign(compareSemver(a, b)) || 0).toBe(-sign(compareSemver(b, a)) || 0);
        expect(compareSemver(a, a)).toBe(0);
        if (compareSemver(a, b) < 0 && compareSemver(b, c) < 0) expect(compareSemver(a, c)).toBeLessThan(0);
      }),
      // The example: two equal versions, the case that once failed on -0.
      { numRuns: 2000, examples: [["1.10.3", "1.10.3", "0.0.0"]] },
    );
  });
});

const template = (version: string, description = "v"): TaskTemplate =>
  TaskTemplateSchema.parse({
    name: "order_fulfillment",
    namespace_name: "ecommerce",
    version,
    description,
    steps: [{ name: "validate", handler: { callable: "ecommerce.validate" } }],
  });

describe("TemplateStore (PGlite)", { timeout: 60_000 }, () => {
  let db: Database;

  beforeAll(async () => {
    db = await openPgliteDatabase("memory://");
    await migrate(db);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it("returns the newest version by semver precedence when none is asked for", async () => {
    const store = new TemplateStore(db);
    await store.register(["1.9.0", "1.10.0", "1.10.0-rc.1", "1.2.0"].map((v) => template(v)));
    expect((await store.get("ecommerce", "order_fulfillment"))?.version).toBe("1.10.0");
    expect(await store.versions("ecommerce", "order_fulfillment")).toEqual([
      "1.2.0",
      "1.9.0",
      "1.10.0-rc.1",
      "1.10.0",
    ]);
  });

  it("returns an exact version, and undefined for an unknown one", async () => {
    const store = new TemplateStore(db);
    expect((await store.get("ecommerce", "order_fulfillment", "1.9.0"))?.version).toBe("1.9.0");
    expect(await store.get("ecommerce", "order_fulfillment", "9.9.9")).toBeUndefined();
    expect(await store.get("ecommerce", "no_such_template")).toBeUndefined();
    expect(await store.versions("ecommerce", "no_such_template")).toEqual([]);
  });

  it("sees versions another process registered (through the database)", async () => {
    const other = new TemplateStore(db);
    await other.register([template("3.0.0")]);
    const mine = new TemplateStore(db);
    expect((await mine.get("ecommerce", "order_fulfillment"))?.version).toBe("3.0.0");
    expect((await mine.list()).map((t) => t.version)).toContain("3.0.0");
  });

  it("reads a name once for creates that miss the cache together", async () => {
    const reads: string[] = [];
    const counting: Database = {
      ...db,
      query: (sql, params) => {
        if (sql.includes("task_templates")) reads.push(sql);
        return db.query(sql, params);
      },
    };
    const store = new TemplateStore(counting);
    const chosen = await Promise.all(
      Array.from({ length: 8 }, () => store.choose("ecommerce", "order_fulfillment")),
    );
    expect(reads).toHaveLength(1);
    expect(new Set(chosen.map((c) => c?.template.version))).toEqual(new Set(["3.0.0"]));
    // Once read, the choice is served from memory; a forgotten name is read again.
    await store.choose("ecommerce", "order_fulfillment");
    expect(reads).toHaveLength(1);
    store.forget("ecommerce", "order_fulfillment");
    await Promise.all([
      store.choose("ecommerce", "order_fulfillment"),
      store.get("ecommerce", "order_fulfillment", "1.9.0"),
    ]);
    expect(reads).toHaveLength(2);
  });

  it("stores the definition as plain JSON and replaces it on re-registration", async () => {
    const store = new TemplateStore(db);
    await store.register([template("4.0.0", "first")]);
    await store.register([template("4.0.0", "second")]);
    const fresh = new TemplateStore(db);
    const got = await fresh.get("ecommerce", "order_fulfillment", "4.0.0");
    expect(got?.description).toBe("second");
    expect(got?.steps[0]?.handler.callable).toBe("ecommerce.validate");
  });
});
