import { describe, expect, it } from "vitest";
import type { StepResponse } from "../../model/task-response.js";
import { renderToString } from "./html.js";
import { stepDuration } from "./step-panel.js";
import { isWebUrl, nodeDetail, tableRows, tagList } from "./task-page.js";

const NOW = new Date("2026-03-01T00:00:10.000Z");
const step = (extra: Partial<StepResponse>) =>
  ({
    current_state: "pending",
    attempts: 0,
    max_attempts: 3,
    last_attempted_at: null,
    completed_at: null,
    ...extra,
  }) as StepResponse;

describe("nodeDetail", () => {
  it("shows how long a completed step took", () => {
    expect(
      nodeDetail(
        step({
          current_state: "complete",
          attempts: 1,
          last_attempted_at: "2026-03-01T00:00:00.000Z",
          completed_at: "2026-03-01T00:00:01.500Z",
        }),
        NOW,
      ),
    ).toBe("complete · 1.5 s");
  });

  it("shows attempts while a step is under way, and just the state otherwise", () => {
    expect(nodeDetail(step({ current_state: "waiting_for_retry", attempts: 2 }), NOW)).toBe(
      "waiting_for_retry · 2/3",
    );
    expect(nodeDetail(step({ current_state: "pending" }), NOW)).toBe("pending");
    expect(nodeDetail(step({ current_state: "error", attempts: 3 }), NOW)).toBe("error");
  });
});

describe("stepDuration", () => {
  it("measures the last attempt, or the run so far", () => {
    expect(stepDuration(step({}), NOW)).toBeUndefined();
    expect(
      stepDuration(
        step({ current_state: "in_progress", last_attempted_at: "2026-03-01T00:00:04.000Z" }),
        NOW,
      ),
    ).toBe(6000);
    expect(
      stepDuration(
        step({ current_state: "waiting_for_retry", last_attempted_at: "2026-03-01T00:00:04.000Z" }),
        NOW,
      ),
    ).toBeUndefined();
  });
});

describe("a task's tags (issue #28: link the task to the app row that created it)", () => {
  it("links the tags that are web addresses, escaped, and only those", async () => {
    expect(await renderToString(tagList(["order", "http://localhost:3000/orders/5", "order:5"]))).toBe(
      'order, <a href="http://localhost:3000/orders/5" rel="noopener noreferrer">http://localhost:3000/orders/5</a>, order:5',
    );
    expect(await renderToString(tagList(['https://x.example/a?b="c"&d']))).toContain(
      'href="https://x.example/a?b=&quot;c&quot;&amp;d"',
    );
    for (const notALink of ["javascript:alert(1)", "data:text/html,x", "order:5", "ftp://x/y"]) {
      expect(isWebUrl(notALink), notALink).toBe(false);
    }
  });
});

describe("tableRows", () => {
  it("lists a grouped batch worker's unfinished and failed instances first, up to 20, and counts the rest", () => {
    const instances = Array.from({ length: 1000 }, (_, i) =>
      step({
        name: `rows_${i}`,
        workflow_step_uuid: `u${i}`,
        current_state: i === 500 ? "error" : i >= 990 ? "in_progress" : "complete",
      }),
    );
    const plan = step({ name: "plan", workflow_step_uuid: "p", current_state: "complete" });
    const rows = tableRows([plan, ...instances], new Map([["rows", instances]]));
    expect(rows).toHaveLength(1 + 20 + 1);
    const names = rows.slice(1, 21).map((r) => ("name" in r ? r.name : ""));
    expect(names.slice(0, 10)).toEqual(instances.slice(990).map((s) => s.name));
    expect(names[10]).toBe("rows_500");
    expect(rows.at(-1)).toEqual({ worker: "rows", hidden: 980, total: 1000 });
  });
});
