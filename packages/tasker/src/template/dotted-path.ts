/** `["steps", 2, "retry"]` -> `steps[2].retry`: how error messages name a key. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === "number") return `${acc}[${part}]`;
    return acc === "" ? String(part) : `${acc}.${String(part)}`;
  }, "");
}
