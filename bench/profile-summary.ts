// Summarises a V8 CPU profile (`node --cpu-prof`): where the process spent its own time, by
// function and by package / engine folder. Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [N]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  key: string;
  ms: number;
  share: number;
}

/** Where a frame's code lives: an npm package, an engine folder, node internals or V8 itself. */
export function codeArea(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const engine = /packages\/tasker\/src\/([^/]+)/.exec(url);
  if (engine) return `tasker/${engine[1]}`;
  if (url.includes("/bench/")) return "bench";
  if (url.startsWith("node:")) return "node internals";
  return url;
}

/** Self time per function and per code area, largest first. */
export function summarizeProfile(profile: CpuProfile): {
  total: number;
  byFunction: SelfTime[];
  byArea: SelfTime[];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules|packages|bench)\//, "$1/")}:${f.lineNumber + 1}`
      : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = codeArea(f.url, f.functionName);
    area.set(a, (area.get(a) ?? 0) + us);
    total += us;
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .map(([key, us]) => ({ key, ms: us / 1000, share: total > 0 ? us / total : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, byFunction: rank(fn), byArea: rank(area) };
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const [file, n = "25"] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [N]");
    process.exit(2);
  }
  const s = summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);
  const line = (t: SelfTime) =>
    `${t.ms.toFixed(0).padStart(8)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.key}`;
  console.log(`profile: ${(s.total / 1000).toFixed(1)} s sampled\n\nby area:`);
  for (const t of s.byArea.slice(0, Number(n))) console.log(line(t));
  console.log("\nby function (self time):");
  for (const t of s.byFunction.slice(0, Number(n))) console.log(line(t));
}
