/**
 * "Did you mean ...?" suggestions for misspelled names (step names, YAML and TOML keys).
 * Uses optimal string alignment distance, so a swapped pair of letters counts as one edit.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      let best = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      row[j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Candidates close enough to `name` to be a likely typo, nearest first (at most `limit`). */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  // Allow about one edit per three characters, and at least two, so short names still match.
  const threshold = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  return [...new Set(candidates)]
    .filter((c) => c !== name)
    .map((c) => ({ c, distance: editDistance(lower, c.toLowerCase()) }))
    .filter(({ distance }) => distance <= threshold)
    .sort((x, y) => x.distance - y.distance || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map(({ c }) => c);
}

/** ` (did you mean "x"?)`, ` (did you mean "x" or "y"?)`, or "" when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = closestNames(name, candidates);
  if (close.length === 0) return "";
  return ` (did you mean ${close.map((c) => `"${c}"`).join(" or ")}?)`;
}
