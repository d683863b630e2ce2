// Bad input in files: broken YAML templates and worker.toml files. Every process refuses to start
// with exit 2 and a message naming the file (and the key), in seconds - no crash, no hang - and
// nothing reaches the database.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY } from "./support/engine-processes.js";
import { HANDLERS_DIR, runTaskerCtl } from "./support/processes.js";
import { openScenarioDatabase, type ScenarioDatabase } from "./support/scenario-database.js";
import { scenarioReport } from "./support/scenario-report.js";

/** A template that would register fine: it must not, while others in its directory are broken. */
const VALID = `name: should_not_register
namespace_name: reliability
version: 9.9.9
steps:
  - name: s
    handler: { callable: reliability.effect }
`;

function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let c = 98; c <= 106; c++) {
    const prev = String.fromCharCode(c - 1);
    lines.push(
      `${String.fromCharCode(c)}: &${String.fromCharCode(c)} [${Array(9).fill(`*${prev}`).join(",")}]`,
    );
  }
  return `name: bomb\nnamespace_name: reliability\nversion: 1.0.0\nmetadata:\n${lines.map((l) => `  ${l}`).join("\n")}\nsteps:\n  - name: s\n    handler: { callable: x }\n`;
}

/** Broken templates: file name -> content. */
const BROKEN_TEMPLATES: Record<string, string | Buffer> = {
  "syntax-error.yaml": "name: [unclosed\nsteps:\n",
  "duplicate-key.yaml": "name: a\nname: b\nnamespace_name: x\nversion: 1.0.0\nsteps: []\n",
  "cycle.yaml":
    "name: cyc\nnamespace_name: reliability\nversion: 1.0.0\nsteps:\n  - name: a\n    handler: { callable: x }\n    dependencies: [b]\n  - name: b\n    handler: { callable: x }\n    dependencies: [a]\n",
  "unknown-dependency.yaml":
    "name: dep\nnamespace_name: reliability\nversion: 1.0.0\nsteps:\n  - name: a\n    handler: { callable: x }\n    dependencies: [ghost]\n",
  "wrong-types.yaml": "name: 42\nnamespace_name: [x]\nversion: 1\nsteps: not-a-list\n",
  "bad-names.yaml":
    "name: Bad-Name\nnamespace_name: has space\nversion: one\nsteps:\n  - name: s\n    handler: { callable: '' }\n",
  "alias-bomb.yaml": aliasBomb(),
  "deep-nesting.yaml": `name: deep\nnamespace_name: reliability\nversion: 1.0.0\nmetadata: ${"[".repeat(20_000)}${"]".repeat(20_000)}\nsteps: []\n`,
  "binary.yaml": Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)),
  "empty.yaml": "",
  "unsupported-step-type.yaml":
    "name: typed\nnamespace_name: reliability\nversion: 1.0.0\nsteps:\n  - name: s\n    type: batchable\n    handler: { callable: x }\n",
};

/** Broken worker.toml files: name -> [content, what the error must mention]. */
const BROKEN_CONFIGS: Record<string, [string, RegExp]> = {
  "syntax.toml": ["[worker\nconcurrency = 1\n", /TOML syntax error/],
  "wrong-type.toml": ['[worker]\nconcurrency = "lots"\n', /worker\.concurrency/],
  "out-of-range.toml": ["[worker]\nconcurrency = 0\n", /worker\.concurrency/],
  "unknown-backend.toml": ['[common.queues]\nbackend = "kafka"\n', /common\.queues\.backend/],
  "bad-namespace.toml": ['[worker]\nnamespaces = ["has space"]\n', /worker\.namespaces/],
  "bad-database-url.toml": ['[common.database]\nurl = "mysql://root:secret@db/x"\n', /common\.database\.url/],
  "negative-lease.toml": ["[common.queues]\nvisibility_timeout_seconds = -5\n", /visibility_timeout_seconds/],
  "deep-nesting.toml": [`a = ${"{b = ".repeat(5000)}1${"}".repeat(5000)}\n`, /nested/],
  "binary.toml": [String.fromCharCode(...Array.from({ length: 2048 }, (_, i) => (i * 53) % 256)), /TOML/],
};

const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

describe("bad template and worker.toml files", () => {
  const report = scenarioReport("bad input: YAML templates, worker.toml", 8.5);
  let s: ScenarioDatabase;
  let templatesDir: string;
  let checks = 0;

  beforeAll(async () => {
    s = await openScenarioDatabase("bad_input_files");
    templatesDir = join(s.dir, "templates");
    mkdirSync(templatesDir);
    writeFileSync(join(templatesDir, "valid.yaml"), VALID);
    for (const [name, content] of Object.entries(BROKEN_TEMPLATES))
      writeFileSync(join(templatesDir, name), content);
    for (const [name, [content]] of Object.entries(BROKEN_CONFIGS)) writeFileSync(join(s.dir, name), content);
  });
  afterAll(async () => {
    report.note(
      `${Object.keys(BROKEN_TEMPLATES).length} broken templates, ${Object.keys(BROKEN_CONFIGS).length} broken worker.toml; ${checks} process starts`,
    );
    await s?.close();
  });

  const withDatabase = () => ({
    DATABASE_URL: s.url,
    TASKER_API_KEY: ADMIN_KEY,
    RELIABILITY_DATABASE_URL: s.url,
  });

  /**
   * Runs the commands a few at a time; each must refuse to start cleanly and quickly. `env`:
   * config files are checked without DATABASE_URL, which would override the file's own url.
   */
  async function expectRefusals(
    commands: { args: string[]; mentions: RegExp[] }[],
    env: Record<string, string>,
  ): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let i = next++; i < commands.length; i = next++) {
          const { args, mentions } = commands[i]!;
          const result = await runTaskerCtl(args, env, 60_000);
          checks++;
          const what = `tasker-ctl ${args.join(" ")}\n${result.output.slice(0, 3000)}`;
          expect(result.timedOut, what).toBe(false);
          expect(result.code, what).toBe(2);
          expect(result.output, what).not.toMatch(STACK_TRACE);
          for (const m of mentions) expect(result.output, what).toMatch(m);
        }
      }),
    );
  }

  it("refuses a template directory with broken files, naming each, and registers none of it", async () => {
    await report.run(async () => {
      const named = Object.keys(BROKEN_TEMPLATES).map((f) => new RegExp(f.replace(".", "\\.")));
      await expectRefusals(
        [
          { args: ["template", "validate", templatesDir], mentions: named },
          { args: ["serve", "--port", "0", "--templates", templatesDir], mentions: named },
          { args: ["worker", "--handlers", HANDLERS_DIR, "--templates", templatesDir], mentions: named },
        ],
        withDatabase(),
      );
      const registered = await s.tasker.database.query(
        "SELECT name FROM tasker.task_templates WHERE name = 'should_not_register'",
      );
      expect(registered).toEqual([]);
    });
  });

  it("refuses broken worker.toml files with exit 2, naming the file and key", async () => {
    await report.run(async () => {
      const workersBefore = await s.tasker.database.query("SELECT worker_id FROM tasker.workers");
      const commands = Object.entries(BROKEN_CONFIGS).flatMap(([name, [, key]]) => {
        const file = join(s.dir, name);
        const mentions = [new RegExp(name.replace(".", "\\.")), key];
        return [
          { args: ["config", "validate", file], mentions },
          { args: ["worker", "--handlers", HANDLERS_DIR, "--config", file], mentions },
        ];
      });
      // serve reads the same file: two of them are enough to show it refuses too.
      commands.push(
        {
          args: ["serve", "--port", "0", "--config", join(s.dir, "wrong-type.toml")],
          mentions: [/worker\.concurrency/],
        },
        {
          args: ["serve", "--port", "0", "--config", join(s.dir, "syntax.toml")],
          mentions: [/TOML syntax error/],
        },
      );
      await expectRefusals(commands, { TASKER_API_KEY: ADMIN_KEY });
      // None of them got as far as registering a worker.
      expect(await s.tasker.database.query("SELECT worker_id FROM tasker.workers")).toEqual(workersBefore);
    });
  });

  it("never echoes a password from a bad database URL", async () => {
    await report.run(async () => {
      const result = await runTaskerCtl(["config", "validate", join(s.dir, "bad-database-url.toml")], {});
      checks++;
      expect(result.code).toBe(2);
      expect(result.output).toMatch(/common\.database\.url/);
      expect(result.output).not.toContain("secret");
    });
  });
});
