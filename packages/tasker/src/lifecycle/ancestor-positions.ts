// A step's ancestors are stored as the positions of its task's steps, an int4multirange
// (workflow_steps.ancestor_positions): a chain's step k is one range, [0,k), where a list of
// uuids made a 1,000-step chain store 500,500 of them. These turn a set of positions into the
// multirange's text form, which the database reads and writes, and back.

/** The multirange literal of `positions` (any order, repeats allowed), e.g. `{[0,3),[5,6)}`. */
export function positionRanges(positions: Iterable<number>): string {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  const ranges: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    let end = start + 1;
    while (++i < sorted.length && sorted[i] === end) end++;
    ranges.push(`[${start},${end})`);
  }
  return `{${ranges.join(",")}}`;
}

/** The positions of a multirange literal as the database writes an int4multirange, in order. */
export function rangePositions(ranges: string): number[] {
  const positions: number[] = [];
  for (const [, lower, upper] of ranges.matchAll(/\[(-?\d+),(-?\d+)\)/g)) {
    for (let p = Number(lower); p < Number(upper); p++) positions.push(p);
  }
  return positions;
}
