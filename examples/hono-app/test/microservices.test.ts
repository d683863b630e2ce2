// Workflow 3 end to end through HTTP: POST /services/requests -> the diamond runs on the engine,
// the fetch steps call the internal services over real HTTP -> the result lands on the row.
// On PGlite and on PostgreSQL.
import { testBackends } from "@tasker-ts/tasker/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audit_logs, service_requests } from "../src/db/schema.js";
import { startTestApp, type TestApp, waitForRowStatus } from "./support/app-harness.js";
import { getStep, getTaskSteps, waitForTaskCompletion } from "./support/orchestration.js";

const STEPS = [
  "validate_request",
  "fetch_user_profile",
  "fetch_order_history",
  "merge_results",
  "format_response",
];

describe.each(testBackends())("microservices user requests on %s", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend, { namespaces: ["microservices"] });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const create = (body: unknown) => t.request("POST", "/services/requests", body);

  it("runs the diamond for a full report and saves the merged result on the row", async () => {
    const created = await create({ user_id: "cust-001", request_type: "full_report" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      user_id: "cust-001",
      request_type: "full_report",
      status: "processing",
    });
    expect(created.body.task_uuid).toMatch(/^[0-9a-f-]{36}$/);
    const id = created.body.id as number;

    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("complete");
    expect(task.completion_percentage).toBe(100);
    const steps = await getTaskSteps(t.orchestrationUrl, task.task_uuid);
    expect(steps.map((s) => s.name).sort()).toEqual([...STEPS].sort());
    expect(steps.every((s) => s.current_state === "complete" && s.attempts === 1)).toBe(true);

    const profile = await getStep(t.orchestrationUrl, task.task_uuid, "fetch_user_profile");
    expect(profile.results).toMatchObject({
      service: "user_profiles",
      profile: { user_id: "cust-001", name: "Ada Lovelace", email: "ada@example.com", tier: "gold" },
    });
    const history = await getStep(t.orchestrationUrl, task.task_uuid, "fetch_order_history");
    expect((history.results as { orders: unknown[] }).orders).toHaveLength(2);

    // Seeded orders for ada: 75.22 (2024-03-01) and 140.29 (2024-05-20).
    const merged = await getStep(t.orchestrationUrl, task.task_uuid, "merge_results");
    expect(merged.results).toMatchObject({
      user_id: "cust-001",
      order_stats: {
        order_count: 2,
        total_spent: 215.51,
        average_order_value: 107.76,
        last_order_at: "2024-05-20T14:30:00.000Z",
      },
    });

    const formatted = await getStep(t.orchestrationUrl, task.task_uuid, "format_response");
    const response = (formatted.results as { response: Record<string, unknown> }).response;
    expect(response).toMatchObject({
      request_type: "full_report",
      user_id: "cust-001",
      profile: { email: "ada@example.com" },
      order_stats: { order_count: 2, total_spent: 215.51 },
      customer_segment: "occasional",
    });

    // Both fetches waited for validate_request, and merge waited for both (the diamond).
    const at = (name: string, key: "completed_at" | "last_attempted_at") =>
      Date.parse(steps.find((s) => s.name === name)![key]!);
    for (const fetch of ["fetch_user_profile", "fetch_order_history"]) {
      expect(at(fetch, "last_attempted_at")).toBeGreaterThanOrEqual(at("validate_request", "completed_at"));
      expect(at("merge_results", "last_attempted_at")).toBeGreaterThanOrEqual(at(fetch, "completed_at"));
    }

    const row = await waitForRowStatus(t, `/services/requests/${id}`, ["completed"]);
    expect(row.error).toBeNull();
    expect(row.result).toEqual(response);
    expect(row.task).toMatchObject({
      status: "complete",
      completion_percentage: 100,
      completed_steps: 5,
      total_steps: 5,
    });
    expect(row.task.steps.map((s: { name: string }) => s.name).sort()).toEqual([...STEPS].sort());
  });

  it("shapes profile and order summaries for their request types", async () => {
    const profileReq = await create({ user_id: "cust-002", request_type: "profile_summary" });
    const orderReq = await create({ user_id: "cust-003", request_type: "order_summary" });
    expect([profileReq.status, orderReq.status]).toEqual([201, 201]);
    await waitForTaskCompletion(t.orchestrationUrl, profileReq.body.task_uuid);
    await waitForTaskCompletion(t.orchestrationUrl, orderReq.body.task_uuid);

    const profileRow = await waitForRowStatus(t, `/services/requests/${profileReq.body.id}`, ["completed"]);
    expect(profileRow.result).toEqual({
      request_type: "profile_summary",
      user_id: "cust-002",
      name: "Grace Hopper",
      email: "grace@example.com",
      tier: "standard",
      member_since: expect.any(String),
    });
    const orderRow = await waitForRowStatus(t, `/services/requests/${orderReq.body.id}`, ["completed"]);
    expect(orderRow.result).toEqual({
      request_type: "order_summary",
      user_id: "cust-003",
      order_count: 0,
      total_spent: 0,
      average_order_value: 0,
      last_order_at: null,
      recent_orders: [],
    });
  });

  it("retries the flaky customer's profile call once (a 503) and completes", async () => {
    const created = await create({ user_id: "cust-004-flaky", request_type: "full_report" });
    expect(created.status).toBe(201);
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("complete");

    const profile = await getStep(t.orchestrationUrl, task.task_uuid, "fetch_user_profile");
    expect(profile.current_state).toBe("complete");
    expect(profile.attempts).toBe(2);
    expect(profile.results).toMatchObject({ attempt: 2, profile: { email: "barbara@example.com" } });
    const history = await getStep(t.orchestrationUrl, task.task_uuid, "fetch_order_history");
    expect(history.attempts).toBe(1);

    // The injected outage is on record, once, for this request.
    const faults = await t.deps.db
      .select()
      .from(audit_logs)
      .where(
        eq(audit_logs.dedupe_key, `fault:user_profiles:first_call_503:service-request-${created.body.id}`),
      );
    expect(faults).toHaveLength(1);

    const row = await waitForRowStatus(t, `/services/requests/${created.body.id}`, ["completed"]);
    expect(row.result).toMatchObject({
      user_id: "cust-004-flaky",
      order_stats: { order_count: 1, total_spent: 42.6 },
    });
  });

  it("fails permanently, without retrying, when the user does not exist (404 downstream)", async () => {
    const created = await create({ user_id: "cust-999", request_type: "profile_summary" });
    expect(created.status).toBe(201);
    const task = await waitForTaskCompletion(t.orchestrationUrl, created.body.task_uuid);
    expect(task.status).toBe("error");

    const profile = await getStep(t.orchestrationUrl, task.task_uuid, "fetch_user_profile");
    expect(profile.current_state).toBe("error");
    expect(profile.attempts).toBe(1);
    expect(profile.error).toMatchObject({ code: "downstream_not_found", retryable: false });
    expect(profile.error!.message).toMatch(/no customer with id cust-999/);
    const merge = await getStep(t.orchestrationUrl, task.task_uuid, "merge_results");
    expect(merge.attempts).toBe(0);

    const row = await waitForRowStatus(t, `/services/requests/${created.body.id}`, ["failed"]);
    expect(row.error).toMatch(/404/);
    expect(row.result).toBeNull();
  });

  it.each([
    [{ request_type: "full_report" }, "user_id"],
    [{ user_id: "cust-001", request_type: "everything" }, "request_type"],
    [{ user_id: "cust 001", request_type: "full_report" }, "user_id"],
    [{ user_id: "cust-001", request_type: "full_report", extra: true }, ""],
  ])("answers 400 naming the field for %j", async (body, path) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid request body");
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it("answers 400 for a body that is not JSON and creates nothing", async () => {
    const before = await t.deps.db.select().from(service_requests);
    const res = await t.request("POST", "/services/requests", "{not json");
    expect(res.status).toBe(400);
    expect(await t.deps.db.select().from(service_requests)).toHaveLength(before.length);
  });

  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    const malformed = await t.request("GET", "/services/requests/abc");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/malformed service request id "abc"/);
    const unknown = await t.request("GET", "/services/requests/999999");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: "service request 999999 not found" });
  });
});
