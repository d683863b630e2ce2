import { describe, expect, it } from "vitest";
import { codeArea, summarizeProfile } from "./profile-summary.js";

describe("codeArea", () => {
  it("names packages, engine folders and V8's own entries", () => {
    expect(codeArea("file:///r/node_modules/pg/lib/client.js", "query")).toBe("pg");
    expect(codeArea("file:///r/node_modules/@electric-sql/pglite/dist/index.js", "x")).toBe(
      "@electric-sql/pglite",
    );
    expect(codeArea("file:///r/packages/tasker/src/worker/worker.ts", "process")).toBe("tasker/worker");
    expect(codeArea("node:internal/streams", "emit")).toBe("node internals");
    expect(codeArea("", "(garbage collector)")).toBe("(garbage collector)");
    expect(codeArea("", "")).toBe("(native)");
  });
});

describe("summarizeProfile", () => {
  it("adds each sample's time to the node it landed in, by function and by area", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const s = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame("(root)", "") },
        { id: 2, callFrame: frame("query", "file:///r/node_modules/pg/lib/client.js") },
        { id: 3, callFrame: frame("claim", "file:///r/packages/tasker/src/store/sql/steps.ts") },
      ],
      samples: [2, 2, 3, 1],
      timeDeltas: [1000, 3000, 2000, 2000],
      startTime: 0,
      endTime: 8000,
    });
    expect(s.total).toBe(8);
    expect(s.byArea[0]).toEqual({ key: "pg", ms: 4, share: 0.5 });
    expect(s.byFunction.map((f) => f.key)).toEqual([
      "query node_modules/pg/lib/client.js:1",
      "claim packages/tasker/src/store/sql/steps.ts:1",
      "(root)",
    ]);
  });
});
