// Where a CPU profile's WebAssembly time goes, by PostgreSQL function. V8 names a WASM function
// without a name section "wasm-function[N]"; PGlite's module has none, but it exports ~2,000 of
// PostgreSQL's functions (for extensions), and N is the index those exports name. Used by
// `bench/pglite-timeline.ts --profile`.

/** Function index -> export name, read from a WebAssembly binary's export section. */
export function wasmFunctionNames(bytes: Uint8Array): Map<number, string> {
  const names = new Map<number, string>();
  let at = 8; // magic + version
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++] as number;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return result;
    }
  };
  const decoder = new TextDecoder();
  while (at < bytes.length) {
    const id = bytes[at++] as number;
    const size = u32();
    const end = at + size;
    // Exports name functions by their index in the module's index space (imports first).
    if (id === 7) {
      for (let count = u32(); count > 0; count--) {
        const length = u32();
        const name = decoder.decode(bytes.subarray(at, at + length));
        at += length;
        const kind = bytes[at++];
        const index = u32();
        if (kind === 0) names.set(index, name);
      }
    }
    at = end;
  }
  return names;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/**
 * The share of the samples spent inside the backend (under `root`, a function every call into it
 * runs) that each group of functions accounts for, inclusive of what they call: a sample counts for
 * a group once when any of its functions is on the stack (an executor run inside a trigger inside
 * an executor run counts once).
 */
export function backendBreakdown(
  profile: CpuProfile,
  names: Map<number, string>,
  root: string,
  groups: Record<string, readonly string[]>,
): { backendSamples: number; busySamples: number; shares: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nameOf = (n: ProfileNode): string => {
    const m = /^wasm-function\[(\d+)\]$/.exec(n.callFrame.functionName);
    return m ? (names.get(Number(m[1])) ?? n.callFrame.functionName) : n.callFrame.functionName;
  };
  const groupsOf = new Map<string, string[]>();
  for (const [label, functions] of Object.entries(groups)) {
    for (const f of functions) groupsOf.set(f, [...(groupsOf.get(f) ?? []), label]);
  }
  const counts = new Map<number, number>();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const hits = new Map<string, number>(Object.keys(groups).map((g) => [g, 0]));
  let backendSamples = 0;
  let busySamples = 0;
  for (const [id, count] of counts) {
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === "(idle)") continue;
    busySamples += count;
    const seen = new Set<string>();
    let inBackend = false;
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const name = nameOf(n);
      if (name === root) inBackend = true;
      for (const label of groupsOf.get(name) ?? []) seen.add(label);
    }
    if (!inBackend) continue;
    backendSamples += count;
    for (const label of seen) hits.set(label, (hits.get(label) ?? 0) + count);
  }
  const shares = new Map([...hits].map(([k, v]) => [k, backendSamples > 0 ? v / backendSamples : 0]));
  return { backendSamples, busySamples, shares };
}
