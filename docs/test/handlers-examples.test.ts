// Runs the code of docs/handlers.md: the blocks marked {example file=...} are written to
// test/.generated/handlers/ and imported, so the example test's describe/it blocks run here.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger, isStepHandler, type StepContext } from "@tasker-ts/tasker";
import { describe, expect, it } from "vitest";
import { codeBlocks } from "./support/markdown-blocks.js";

const PAGE = fileURLToPath(new URL("../handlers.md", import.meta.url));
const OUT = fileURLToPath(new URL("./.generated/handlers/", import.meta.url));

const examples = codeBlocks(readFileSync(PAGE, "utf8")).filter((b) => typeof b.attrs.file === "string");
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const block of examples) writeFileSync(join(OUT, String(block.attrs.file)), block.code);

describe("docs/handlers.md", () => {
  it("has the examples this test runs", () => {
    expect(examples.map((b) => b.attrs.file)).toEqual(
      expect.arrayContaining(["accounts.ts", "accounts.test-example.ts", "archive-report.ts"]),
    );
  });

  it("shows a class-style handler that runs", async () => {
    const { ArchiveReport } = await import(join(OUT, "archive-report.ts"));
    const handler = new ArchiveReport();
    expect(isStepHandler(handler)).toBe(true);
    const ctx = {
      dependencyResults: { generate_report: { markdown: "# Report" } },
      logger: createLogger({ level: "silent" }),
    } as unknown as StepContext;
    expect(await handler.handle(ctx)).toEqual({ archived_bytes: 8 });
  });
});

// The page's integration test registers its own describe/it blocks when imported.
await import(join(OUT, "accounts.test-example.ts"));
