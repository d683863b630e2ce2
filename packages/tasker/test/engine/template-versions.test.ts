// A process creates tasks from the template versions it has cached, and its create statement
// checks that the choice still holds (store/sql/insert-task-graph.ts, TemplateGuard). These tests
// run two engines on one database, as two processes would: what one registers, the other's next
// task uses, and the cache spares a read of the templates before every create.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase, Tasker } from "../../src/index.js";
import { type TaskTemplate, TaskTemplateSchema } from "../../src/template/schema.js";
import { createTestDatabase, type TestDatabase, testBackends } from "../../src/testing/index.js";

const template = (version: string, stepName = "validate"): TaskTemplate =>
  TaskTemplateSchema.parse({
    name: "versioned",
    namespace_name: "test_versions",
    version,
    steps: [{ name: stepName, handler: { callable: `versions.${stepName}` } }],
  });

/** The database, counting the statements that read template versions. */
function counting(db: Database): { db: Database; templateReads: () => number } {
  let reads = 0;
  const query: Database["query"] = (sql, params) => {
    if (/^SELECT \* FROM tasker\.task_templates WHERE namespace/.test(sql)) reads++;
    return db.query(sql, params);
  };
  return { db: { ...db, query }, templateReads: () => reads };
}

describe.each(testBackends())("template versions across processes on %s", (backend) => {
  let testDb: TestDatabase | undefined;
  let db: Database;
  let first: Tasker;
  let second: Tasker;
  let reads: () => number;
  beforeAll(async () => {
    testDb = backend === "postgres" ? await createTestDatabase("tasker_versions") : undefined;
    db = await openDatabase({ databaseUrl: testDb?.url, dataDir: testDb ? undefined : "memory://" });
    const wrapped = counting(db);
    reads = wrapped.templateReads;
    first = await Tasker.open({ database: wrapped.db, templates: [template("1.0.0")] });
    second = await Tasker.open({ database: db, templates: [] });
  }, 120_000);
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.close();
    await testDb?.drop();
  });

  const create = async (version?: string) =>
    (
      await first.client.createTask({
        namespace: "test_versions",
        name: "versioned",
        ...(version ? { version } : {}),
      })
    ).task;

  it("reads the versions once, then creates from memory", async () => {
    expect((await create()).version).toBe("1.0.0");
    const after = reads();
    expect((await create()).version).toBe("1.0.0");
    expect((await create("1.0.0")).version).toBe("1.0.0");
    expect(reads()).toBe(after);
  });

  it("uses a newer version another process registered, at its next create", async () => {
    await second.templates.register([template("1.1.0")]);
    const task = await create();
    expect(task.version).toBe("1.1.0");
    // Asked for by name, the old version is still there.
    expect((await create("1.0.0")).version).toBe("1.0.0");
  });

  it("uses a version's new definition once another process redefined it", async () => {
    // 1.0.0 is in the first engine's cache since the first test.
    await second.templates.register([template("1.0.0", "check")]);
    expect((await create("1.0.0")).steps.map((s) => s.name)).toEqual(["check"]);
    expect((await create()).steps.map((s) => s.name)).toEqual(["validate"]); // 1.1.0, untouched
  });
});
