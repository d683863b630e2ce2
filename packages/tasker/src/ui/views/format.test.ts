import { describe, expect, it } from "vitest";
import { formatAge, formatDuration, formatTimestamp, jsonBlock, stateBadge, timeTag } from "./format.js";
import { renderToString } from "./html.js";

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [850, "850 ms"],
    [2340, "2.3 s"],
    [42_000, "42 s"],
    [252_000, "4 m 12 s"],
    [300_000, "5 m"],
    [3 * 3600_000, "3 h"],
    [3 * 3600_000 + 5 * 60_000, "3 h 5 m"],
    [2 * 86_400_000 + 4 * 3600_000, "2 d 4 h"],
    [-1, "–"],
    [Number.NaN, "–"],
  ])("%s ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("formatAge and timestamps", () => {
  it("says how long ago", () => {
    expect(formatAge(0.2)).toBe("just now");
    expect(formatAge(12)).toBe("12 s ago");
  });

  it("prints UTC timestamps and marks them up for the browser's time zone", async () => {
    expect(formatTimestamp("2026-03-01T14:05:09.123Z")).toBe("2026-03-01 14:05:09 UTC");
    expect(formatTimestamp("not a date")).toBe("not a date");
    expect(await renderToString(timeTag("2026-03-01T14:05:09.123Z"))).toBe(
      '<time datetime="2026-03-01T14:05:09.123Z" title="2026-03-01T14:05:09.123Z">2026-03-01 14:05:09 UTC</time>',
    );
    expect(await renderToString(timeTag(null))).toContain("–");
  });
});

describe("markup helpers", () => {
  it("renders a state badge with the exact state string", async () => {
    expect(await renderToString(stateBadge("waiting_for_retry"))).toBe(
      '<span class="badge state-waiting_for_retry" data-state="waiting_for_retry">waiting_for_retry</span>',
    );
  });

  it("escapes JSON and cuts huge values, naming where the rest is", async () => {
    expect(await renderToString(jsonBlock({ html: "<b>" }))).toContain("&lt;b&gt;");
    const huge = await renderToString(jsonBlock({ s: "x".repeat(30_000) }, "GET /v1/tasks/1"));
    expect(huge).toContain("Cut at 20,000 of");
    expect(huge).toContain("<code>GET /v1/tasks/1</code>");
    expect(await renderToString(jsonBlock(undefined))).toContain("null");
  });
});
