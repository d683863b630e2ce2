import { describe, expect, it } from "vitest";
import { parseTaskSearch, taskSearchQuery, taskSearchWhere } from "./task-search.js";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const UUID = "01890a5d-ac96-774b-bcce-b302099a8057";

describe("parseTaskSearch", () => {
  it("reads the filters, treating empty fields as 'any'", () => {
    const { search, problems } = parseTaskSearch({
      q: "  order-42 ",
      namespace: "",
      template: "ecommerce/order_processing",
      status: "error",
      period: "24h",
      limit: "50",
      offset: "100",
    });
    expect(problems).toEqual([]);
    expect(search).toEqual({
      q: "order-42",
      template: "ecommerce/order_processing",
      status: "error",
      period: "24h",
      limit: 50,
      offset: 100,
    });
  });

  it("defaults to the first 25 of everything", () => {
    expect(parseTaskSearch({})).toEqual({ search: { limit: 25, offset: 0 }, problems: [] });
  });

  it("drops bad values and names each with what would be accepted", () => {
    const { search, problems } = parseTaskSearch({
      status: "done",
      template: "no-slash",
      namespace: "has space",
      period: "1y",
      limit: "1000",
      offset: "-3",
    });
    expect(search).toEqual({ limit: 25, offset: 0 });
    expect(problems).toHaveLength(6);
    expect(problems).toContain(
      `status: must be one of: pending, initializing, enqueuing_steps, steps_in_process, evaluating_results, waiting_for_dependencies, waiting_for_retry, blocked_by_failures, complete, error, cancelled, resolved_manually`,
    );
    expect(problems.find((p) => p.startsWith("template:"))).toContain('"namespace/name"');
    expect(problems).toContain("period: must be one of: 15m, 1h, 6h, 24h, 7d, 30d");
    expect(problems).toContain("limit: must be one of: 25, 50, 100");
    expect(problems).toContain("offset: must be 0 or more");
  });

  it("drops search text PostgreSQL cannot store (NUL, unpaired surrogates), naming the field", () => {
    for (const q of ["\u0000", "a\u0000b", "x\ud800"]) {
      const { search, problems } = parseTaskSearch({ q, status: "error" });
      expect(search).toEqual({ limit: 25, offset: 0, status: "error" });
      expect(problems).toEqual([expect.stringMatching(/^q: must not contain NUL characters/)]);
    }
  });
});

describe("taskSearchQuery", () => {
  it("keeps URLs short and applies changes", () => {
    const { search } = parseTaskSearch({ status: "error", q: "a b" });
    expect(taskSearchQuery(search)).toBe("?q=a+b&status=error");
    expect(taskSearchQuery(search, { status: undefined, offset: 25 })).toBe("?q=a+b&offset=25");
    expect(taskSearchQuery({ limit: 25, offset: 0 })).toBe("");
  });
});

describe("taskSearchWhere", () => {
  it("matches a uuid against the task and the correlation ids, with typed parameters", () => {
    const { where, params } = taskSearchWhere({ q: UUID, limit: 25, offset: 0 }, NOW, { withStatus: true });
    expect(where).toBe(
      "WHERE (t.task_uuid = $1::uuid OR t.correlation_id = $2 OR t.parent_correlation_id = $2)",
    );
    expect(params).toEqual([UUID, UUID]);
  });

  it("matches other text against the correlation ids only", () => {
    const { where } = taskSearchWhere({ q: "order-42", limit: 25, offset: 0 }, NOW, { withStatus: true });
    expect(where).toBe("WHERE (t.correlation_id = $1 OR t.parent_correlation_id = $1)");
  });

  it("combines every filter, and leaves the status out for counts per status", () => {
    const search = {
      namespace: "ecommerce",
      template: "ecommerce/order_processing",
      status: "error" as const,
      period: "1h" as const,
      limit: 25,
      offset: 0,
    };
    const all = taskSearchWhere(search, NOW, { withStatus: true });
    expect(all.where).toBe(
      "WHERE t.namespace = $1 AND t.namespace = $2 AND t.name = $3 AND t.status = $4 AND t.created_at >= $5::timestamptz",
    );
    expect(all.params).toEqual([
      "ecommerce",
      "ecommerce",
      "order_processing",
      "error",
      "2026-03-01T11:00:00.000Z",
    ]);
    const counts = taskSearchWhere(search, NOW, { withStatus: false });
    expect(counts.where).not.toContain("status");
    expect(taskSearchWhere({ limit: 25, offset: 0 }, NOW, { withStatus: true })).toEqual({
      where: "",
      params: [],
    });
  });
});
