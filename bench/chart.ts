import type { BenchFile, BenchResult } from "./results.js";

export interface Bar {
  label: string;
  value: number;
  /** Drawn as a tick past the bar, e.g. p95 next to a p50 bar. */
  whisker?: number;
  color: string;
}

const WIDTH = 900;
const LABEL_W = 300;
const BAR_H = 18;
const GAP = 6;
const COLORS = {
  tasker: "#2563eb",
  history: "#7c3aed",
  rabbitmq: "#059669",
  "graphile-worker": "#ea580c",
  pgbench: "#6b7280",
};

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One horizontal bar panel; returns its SVG and height. Bars scale to the panel's largest value. */
export function barPanel(
  title: string,
  unit: string,
  bars: readonly Bar[],
  top: number,
): { svg: string; height: number } {
  const plotW = WIDTH - LABEL_W - 90;
  const max = Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.whisker ?? 0)));
  const parts = [`<text x="10" y="${top + 18}" font-size="15" font-weight="bold">${escapeXml(title)}</text>`];
  bars.forEach((b, i) => {
    const y = top + 30 + i * (BAR_H + GAP);
    const w = (b.value / max) * plotW;
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${b.color}"><title>${escapeXml(`${b.label}: ${b.value} ${unit}`)}</title></rect>`,
    );
    if (b.whisker !== undefined && b.whisker > b.value) {
      const x = LABEL_W + (b.whisker / max) * plotW;
      parts.push(
        `<line x1="${(LABEL_W + w).toFixed(1)}" y1="${y + BAR_H / 2}" x2="${x.toFixed(1)}" y2="${y + BAR_H / 2}" stroke="#111" stroke-width="1"/>`,
        `<line x1="${x.toFixed(1)}" y1="${y + 3}" x2="${x.toFixed(1)}" y2="${y + BAR_H - 3}" stroke="#111" stroke-width="1.5"/>`,
      );
    }
    const end = LABEL_W + (Math.max(b.value, b.whisker ?? 0) / max) * plotW;
    parts.push(
      `<text x="${(end + 6).toFixed(1)}" y="${y + 13}" font-size="12">${formatValue(b.value)} ${escapeXml(unit)}</text>`,
    );
  });
  return { svg: parts.join("\n"), height: 40 + bars.length * (BAR_H + GAP) };
}

function formatValue(v: number): string {
  return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

function name(r: BenchResult): string {
  const history = r.history_tasks > 0 ? ` +${Math.round(r.history_tasks / 1000)}k done` : "";
  const backend = r.transport === "rabbitmq" ? `${r.backend}+rabbitmq` : r.backend;
  return `${r.system} ${backend} ${r.workflow ?? ""}${history}`.replace(/\s+/g, " ");
}

function color(r: BenchResult): string {
  if (r.system !== "tasker") return COLORS[r.system];
  if (r.transport === "rabbitmq") return COLORS.rabbitmq;
  return r.history_tasks > 0 ? COLORS.history : COLORS.tasker;
}

/** The run as one SVG: latency (p50 bar, p95 tick), throughput and shapes (steps/s) panels. */
export function renderChart(file: BenchFile): string {
  const latency: Bar[] = file.results
    .filter((r) => r.mode === "latency" && r.p50_ms !== null)
    .map((r) => ({
      label: name(r),
      value: r.p50_ms!,
      ...(r.p95_ms !== null ? { whisker: r.p95_ms } : {}),
      color: color(r),
    }));
  const throughput: Bar[] = file.results
    .filter((r) => r.mode === "throughput")
    .map((r) => ({
      label:
        r.system === "pgbench"
          ? `pgbench simple-update, ${r.concurrency} clients (tx/s)`
          : `${name(r)} c${r.concurrency}`,
      value: (r.system === "pgbench" ? r.transactions_per_s : r.steps_per_s) ?? 0,
      color: color(r),
    }));
  const shapes: Bar[] = file.results
    .filter((r) => r.mode === "shape")
    .map((r) => ({ label: `${name(r)} c${r.concurrency}`, value: r.steps_per_s ?? 0, color: color(r) }));
  const a = barPanel("create → complete latency, p50 (tick: p95)", "ms", latency, 30);
  const b = barPanel("throughput", "steps/s", throughput, 30 + a.height + 10);
  const c =
    shapes.length > 0
      ? barPanel("wide and long tasks (shapes)", "steps/s", shapes, 30 + a.height + 10 + b.height + 10)
      : { svg: "", height: -10 };
  const height = 30 + a.height + 10 + b.height + 10 + c.height + 10;
  const subtitle = `${file.date} · ${file.machine.cpus}× ${file.machine.cpu_model} · load ${file.machine.load_start.toFixed(1)}${file.quick ? " · quick smoke run" : ""}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    a.svg,
    b.svg,
    ...(c.svg ? [c.svg] : []),
    "</svg>",
    "",
  ].join("\n");
}
