// Runs the quickstart as a reader would: every block marked {test} in docs/quickstart/typescript.md,
// in order, in one shell session, inside a fresh copy of the repository.
//
// Block attributes (after the language, e.g. ```sh {test wait=60}):
//   test                 run the block; it must exit 0
//   file=<path>          write the block to <path> (relative to the current directory) instead
//   patch                apply the block as a unified diff (patch -p1) in the current directory
//   background           start the block and leave it running (a server) until the end
//   restart              with background: stop the servers started before first
//   ready=<url>          with background: wait until <url> answers 2xx
//   wait=<seconds>       run the block again until it succeeds (and prints `expect`), up to this long
//   expect=<text>        the block's output must contain this text
//
// The app's ports 3000 and 8080 are replaced by free ports so the test never collides with an app
// someone is running; nothing else in the commands is changed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type CodeBlock, codeBlocks } from "./support/markdown-blocks.js";
import { type BlockResult, cleanEnvironment, ShellSession, waitForUrl } from "./support/shell-session.js";
import { createTempRepo, type TempRepo } from "./support/temp-repo.js";

const PAGE = fileURLToPath(new URL("../quickstart/typescript.md", import.meta.url));
const BLOCK_TIMEOUT_MS = 240_000;
const READY_TIMEOUT_MS = 300_000;

const blocks = codeBlocks(readFileSync(PAGE, "utf8")).filter((b) => b.attrs.test !== undefined);

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function describeBlock(block: CodeBlock): string {
  const first = block.code.split("\n").find((l) => l.trim() !== "") ?? "";
  const what = block.attrs.file
    ? `write ${block.attrs.file}`
    : block.attrs.patch
      ? "apply the diff"
      : first.trim();
  return `line ${block.line}: ${what.length > 70 ? `${what.slice(0, 67)}...` : what}`;
}

function failure(block: CodeBlock, result: BlockResult, why: string, logs: string): Error {
  return new Error(
    [
      `docs/quickstart/typescript.md line ${block.line}: ${why}`,
      `--- block ---\n${block.code}`,
      `--- stdout (end) ---\n${result.stdout.slice(-3000)}`,
      `--- stderr (end) ---\n${result.stderr.slice(-3000)}`,
      logs,
    ].join("\n"),
  );
}

describe("docs/quickstart/typescript.md", () => {
  let repo: TempRepo;
  let session: ShellSession;
  let substitute: (text: string) => string;
  let broken: string | undefined;

  beforeAll(async () => {
    const [appPort, orchestrationPort] = [await freePort(), await freePort()];
    substitute = (text) =>
      text
        .replaceAll("localhost:3000", `localhost:${appPort}`)
        .replaceAll("localhost:8080", `localhost:${orchestrationPort}`);
    repo = createTempRepo();
    session = new ShellSession(
      repo.root,
      cleanEnvironment({
        PORT: String(appPort),
        ORCHESTRATION_PORT: String(orchestrationPort),
        LOG_LEVEL: "warn",
      }),
    );
  });

  afterAll(async () => {
    await session?.close();
    repo?.remove();
  });

  it("marks the commands it runs", () => {
    if (blocks.length < 10)
      throw new Error(`expected the quickstart to mark its commands {test}, found ${blocks.length}`);
  });

  for (const block of blocks) {
    it(describeBlock(block), async () => {
      if (broken) throw new Error(`not run: the block at ${broken} failed`);
      try {
        await runBlock(block);
      } catch (error) {
        broken = `line ${block.line}`;
        throw error;
      }
    });
  }

  async function runBlock(block: CodeBlock): Promise<void> {
    const { attrs } = block;
    if (typeof attrs.file === "string") {
      const path = resolve(session.cwd(), attrs.file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, block.code);
      return;
    }
    const code = substitute(block.code);
    if (attrs.patch) {
      const result = await session.run(
        `patch -p1 --forward --no-backup-if-mismatch <<'DOCS_PATCH'\n${code}DOCS_PATCH\n`,
        30_000,
      );
      if (result.exitCode !== 0) throw failure(block, result, "the diff does not apply", "");
      return;
    }
    if (attrs.background) {
      if (attrs.restart) await session.stopAll();
      const server = session.start(describeBlock(block), code);
      if (typeof attrs.ready === "string") {
        try {
          await waitForUrl(substitute(attrs.ready), READY_TIMEOUT_MS, () => server.child.exitCode !== null);
        } catch (error) {
          throw new Error(`line ${block.line}: ${(error as Error).message}\n${session.backgroundLogs()}`);
        }
      }
      return;
    }
    const expected = typeof attrs.expect === "string" ? attrs.expect : undefined;
    const deadline = Date.now() + (typeof attrs.wait === "string" ? Number(attrs.wait) * 1000 : 0);
    for (;;) {
      const result = await session.run(code, BLOCK_TIMEOUT_MS);
      const ok = result.exitCode === 0 && (expected === undefined || result.stdout.includes(expected));
      if (ok) return;
      if (Date.now() >= deadline) {
        const why = result.timedOut
          ? `timed out after ${BLOCK_TIMEOUT_MS / 1000} s`
          : result.exitCode !== 0
            ? `exited with ${result.exitCode}`
            : `the output does not contain ${JSON.stringify(expected)}`;
        throw failure(block, result, why, session.backgroundLogs());
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
});
