import { describe, expect, it } from "vitest";
import { barPanel, escapeXml, renderChart } from "./chart.js";
import { sampleFile } from "./testing/sample-file.js";

describe("barPanel", () => {
  it("scales bars to the largest value and draws the whisker past the bar", () => {
    const { svg, height } = barPanel(
      "t",
      "ms",
      [
        { label: "a", value: 10, whisker: 20, color: "#000" },
        { label: "b", value: 5, color: "#111" },
      ],
      0,
    );
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    // The whisker (20) sets the scale, so bar a is half the plot and bar b a quarter.
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 5);
    expect(svg.match(/<line /g)).toHaveLength(2);
    expect(height).toBeGreaterThan(40);
  });
});

describe("renderChart", () => {
  it("is one SVG document with a bar per latency and throughput result", () => {
    const file = sampleFile();
    const svg = renderChart(file);
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    // Idle engines have no latency or throughput to draw.
    expect(svg.match(/<rect x=/g)).toHaveLength(file.results.filter((r) => r.mode !== "idle").length);
    expect(svg).toContain("tasker postgres linear5 +100k done");
    expect(svg).toContain("pgbench simple-update, 8 clients (tx/s)");
    // The RabbitMQ transport is named and coloured apart from the queue tables.
    expect(svg).toMatch(/>tasker postgres\+rabbitmq linear5<[\s\S]*?fill="#059669"/);
    expect(svg).toMatch(/>tasker postgres\+rabbitmq linear5 c32<[\s\S]*?fill="#059669"/);
    expect(svg).toMatch(/>tasker postgres linear5<[\s\S]*?fill="#2563eb"/);
  });

  it("escapes text so labels cannot break the document", () => {
    expect(escapeXml(`<a & "b">`)).toBe("&#60;a &#38; &#34;b&#34;&#62;");
  });
});
