// step.completed, one event per step, is sent only while some process listens for it
// (events/lifecycle-events.ts): a listener of "step.completed" or "*" holds a lease in
// tasker.step_completed_listeners, and the outcome's statement NOTIFYs the event only while a lease
// is live. The events that end a task are always sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LifecycleEvent, Tasker } from "../../src/index.js";
import { EVENTS_CHANNEL } from "../../src/store/sql/events.js";
import { testBackends } from "../../src/testing/index.js";
import { type Harness, startHarness } from "../support/engine-harness.js";

describe.each(testBackends())("step.completed events on %s", (backend) => {
  let h: Harness;
  /** Every payload on the events channel, heard below the engine's subscriptions (no lease). */
  const heard: LifecycleEvent[] = [];
  let unlisten: () => Promise<void>;
  beforeAll(async () => {
    h = await startHarness(backend);
    unlisten = await h.tasker.database.listen(EVENTS_CHANNEL, (payload) => {
      heard.push(JSON.parse(payload) as LifecycleEvent);
    });
  });
  afterAll(async () => {
    await unlisten?.();
    await h?.close();
  });

  /** Runs a linear5 task to its end, then the events heard for it, by name. */
  const runTask = async () => {
    const { task } = await h.tasker.client.createTask({
      name: "linear5",
      namespace: "test_alpha",
      context: {},
    });
    await h.tasker.client.waitForTask(task.task_uuid, { timeoutMs: 20_000 });
    await expect
      .poll(() => heard.some((e) => e.task_uuid === task.task_uuid && e.event === "task.completed"))
      .toBe(true);
    return {
      taskUuid: task.task_uuid,
      events: heard.filter((e) => e.task_uuid === task.task_uuid).map((e) => e.event),
    };
  };
  const leases = async () => {
    const [row] = await h.tasker.database.query<{ n: string }>(
      "SELECT count(*) AS n FROM tasker.step_completed_listeners WHERE expires_at > now()",
    );
    return Number(row!.n);
  };

  it("sends only the task's end while no process listens for step.completed", async () => {
    expect(await leases()).toBe(0);
    expect((await runTask()).events).toEqual(["task.completed"]);
  });

  it("sends each step's step.completed from ready() on, to a listener of the event and of *", async () => {
    const byName: string[] = [];
    const byStar: string[] = [];
    const offName = h.tasker.events.on("step.completed", (e) => {
      byName.push(e.task_uuid);
    });
    const offStar = h.tasker.events.on("*", (e) => {
      if (e.event === "step.completed") byStar.push(e.task_uuid);
    });
    await h.tasker.events.ready();
    expect(await leases()).toBe(1); // one lease a process, however many listeners
    const { taskUuid, events } = await runTask();
    expect(events.filter((e) => e === "step.completed")).toHaveLength(5);
    expect(events.at(-1)).toBe("task.completed");
    await expect.poll(() => byName.filter((t) => t === taskUuid).length).toBe(5);
    await expect.poll(() => byStar.filter((t) => t === taskUuid).length).toBe(5);

    // The lease lasts while either listener does.
    offName();
    offName();
    await h.tasker.events.ready();
    expect(await leases()).toBe(1);
    offStar();
    await h.tasker.events.ready();
    expect(await leases()).toBe(0);
    expect((await runTask()).events).toEqual(["task.completed"]);
  });

  it("stops sending step.completed when a lease has expired (a process that died holding one)", async () => {
    await h.tasker.database.query(
      "INSERT INTO tasker.step_completed_listeners (listener_id, expires_at) VALUES (gen_random_uuid(), now() - interval '1 second')",
    );
    expect((await runTask()).events).toEqual(["task.completed"]);
    // The next lease taken clears it.
    const off = h.tasker.events.on("step.completed", () => undefined);
    await h.tasker.events.ready();
    expect(await h.tasker.database.query("SELECT 1 FROM tasker.step_completed_listeners")).toHaveLength(1);
    off();
    await h.tasker.events.ready();
  });

  it.runIf(backend === "postgres")(
    "sends step.completed to a listener in another process on the same database",
    async () => {
      // Another engine on the database: no worker, only a listener.
      const other = await Tasker.open({ databaseUrl: h.url!, templates: [] });
      try {
        const seen: string[] = [];
        other.events.on("step.completed", (e) => {
          seen.push(e.task_uuid);
        });
        await other.events.ready();
        const { taskUuid } = await runTask();
        await expect.poll(() => seen.filter((t) => t === taskUuid).length).toBe(5);
      } finally {
        await other.close();
      }
      expect(await leases()).toBe(0); // closing released its lease
    },
  );
});
