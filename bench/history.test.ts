import { createLogger } from "@tasker-ts/tasker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedHistory } from "./history.js";
import { BenchEngine } from "./tasker-engine.js";

// A real engine on PGlite: the history must be copies of what the engine really writes.
describe("seedHistory", () => {
  let engine: BenchEngine;
  let model: string;
  beforeAll(async () => {
    engine = await BenchEngine.open("pglite", createLogger({ level: "silent" }));
    model = await engine.create("diamond5");
    await engine.tracker.wait(model, 60_000);
  }, 180_000);
  afterAll(async () => {
    await engine?.close();
  });

  const count = async (sql: string) =>
    (await engine.tasker.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;

  it("copies a finished task with its steps, edges and every transition, in batches", async () => {
    const per = {
      steps: await count("tasker.workflow_steps"),
      edges: await count("tasker.workflow_steps, unnest(child_uuids)"),
      stepTransitions: await count("tasker.workflow_step_transitions"),
      taskTransitions: await count("tasker.task_transitions"),
    };
    await seedHistory(engine.tasker.database, [model], 7, 3);
    expect(await count("tasker.tasks WHERE status = 'complete'")).toBe(8);
    expect(await count("tasker.workflow_steps")).toBe(per.steps * 8);
    expect(await count("tasker.workflow_steps, unnest(child_uuids)")).toBe(per.edges * 8);
    expect(await count("tasker.workflow_step_transitions")).toBe(per.stepTransitions * 8);
    expect(await count("tasker.task_transitions")).toBe(per.taskTransitions * 8);
    // Edges point at the copy's own steps, never at the model's, and ancestor positions at steps of the copy.
    expect(
      await count(`tasker.workflow_steps f, unnest(f.child_uuids) c, tasker.workflow_steps t
        WHERE t.workflow_step_uuid = c AND t.task_uuid = f.task_uuid`),
    ).toBe(per.edges * 8);
    expect(
      await count(`tasker.workflow_steps s, unnest(s.ancestor_positions) r, generate_series(lower(r), upper(r) - 1) a
        WHERE NOT EXISTS (SELECT 1 FROM tasker.workflow_steps x WHERE x.position = a AND x.task_uuid = s.task_uuid)`),
    ).toBe(0);
  });

  it("dates the history in the past, so new tasks sort after it in every time-ordered index", async () => {
    const fresh = await engine.create("linear5");
    await engine.tracker.wait(fresh, 60_000);
    const [row] = await engine.tasker.database.query<{ before: number }>(
      `SELECT count(*)::int AS before FROM tasker.tasks h, tasker.tasks n
        WHERE n.task_uuid = $1 AND h.correlation_id LIKE 'history-%'
          AND h.task_uuid < n.task_uuid AND h.created_at < n.created_at`,
      [fresh],
    );
    expect(row!.before).toBe(7);
  });

  it("a new task still completes with the history in place", async () => {
    expect(await engine.runOnce("linear5")).toBeGreaterThan(0);
  });

  it("refuses to seed without a model task", async () => {
    await expect(seedHistory(engine.tasker.database, [], 10)).rejects.toThrow(
      /at least one finished model task/,
    );
  });
});
