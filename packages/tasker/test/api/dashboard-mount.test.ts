import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrchestrationServer } from "../../src/api/index.js";
import { Tasker } from "../../src/index.js";
import { TEMPLATES } from "../support/engine-harness.js";

describe("the orchestration server serves the dashboard on the API's port", () => {
  let tasker: Tasker;
  let server: Awaited<ReturnType<typeof startOrchestrationServer>>;
  beforeAll(async () => {
    tasker = await Tasker.open({ dataDir: "memory://", templates: Object.values(TEMPLATES) });
    server = await startOrchestrationServer({ tasker, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await tasker?.close();
  });

  it("answers /ui with the task list and the API beside it", async () => {
    const { task } = await tasker.client.createTask({ name: "linear5", namespace: "test_alpha" });
    const page = await fetch(`${server.url}/ui/tasks`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain(task.task_uuid.slice(0, 8));
    const detail = await fetch(`${server.url}/ui/tasks/${task.task_uuid}`);
    expect(detail.status).toBe(200);
    expect(await detail.text()).toContain("<svg");
    expect((await fetch(`${server.url}/v1/tasks/${task.task_uuid}`)).status).toBe(200);
  });
});
