import { describe, expect, it } from "vitest";
import { createProgress } from "./progress.js";

function sink() {
  const writes: string[] = [];
  return { writes, stream: { write: (t: string) => writes.push(t) } };
}

describe("createProgress", () => {
  it("off a terminal, prints a line only when the text changes", () => {
    const { writes, stream } = sink();
    const p = createProgress(stream, { live: false, label: "task" });
    p.update("pending 0%");
    p.update("pending 0%");
    p.update("complete 100%");
    p.stop();
    expect(writes).toEqual(["task pending 0%\n", "task complete 100%\n"]);
  });

  it("on a terminal, redraws one line in place with the elapsed time, and clears it at the end", () => {
    const { writes, stream } = sink();
    let now = 1_000;
    const p = createProgress(stream, { live: true, now: () => now });
    p.update("steps_in_process 50%");
    now += 3_000;
    p.update("complete 100%");
    p.stop();
    const clearLine = "\r\u001b[2K";
    expect(writes[0]?.startsWith(clearLine)).toBe(true);
    expect(writes[0]?.slice(clearLine.length)).toMatch(/^. steps_in_process 50% 0s$/);
    expect(writes[1]?.slice(clearLine.length)).toMatch(/^. complete 100% 3s$/);
    expect(writes.at(-1)).toBe("\r\u001b[2K");
    expect(writes.join("")).not.toContain("\n");
  });

  it("prints nothing when quiet", () => {
    const { writes, stream } = sink();
    const p = createProgress(stream, { live: true, quiet: true });
    p.update("x");
    p.stop();
    expect(writes).toEqual([]);
  });
});
