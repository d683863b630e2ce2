// POST /v1/templates checks a template with the server's decision limits (issue #27), not the
// defaults: a decision over them is a VALIDATION_ERROR naming it, and nothing is registered.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { testBackends } from "../../src/testing/index.js";
import { type ApiHarness, call, startApiHarness } from "./harness.js";

const routing = {
  name: "limited",
  namespace_name: "api_limits",
  version: "1.0.0",
  steps: [
    { name: "start", handler: { callable: "limits.start" } },
    { name: "route", type: "decision", dependencies: ["start"], handler: { callable: "limits.route" } },
    { name: "a", dependencies: ["route"], handler: { callable: "limits.a" } },
    { name: "b", dependencies: ["route"], handler: { callable: "limits.b" } },
  ],
};

describe.each(testBackends())("POST /v1/templates with the server's decision limits on %s", (backend) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(backend, {
      worker: false,
      tasker: { decisionLimits: { maxStepsPerDecision: 1 } },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses a decision that can name more steps than the limit", async () => {
    const res = await call(h.url, "/v1/templates", { method: "POST", json: { yaml: stringify(routing) } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toBe("VALIDATION_ERROR");
    expect(res.body.error.message).toContain("more than the limit of 1 per decision");
    expect((await call(h.url, "/v1/templates/api_limits/limited/1.0.0")).status).toBe(404);
  });
});
