import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, PACKAGE_DIR, runCli, runCliJson } from "./support/cli-process.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Runs a node script (vitest, biome) and collects its output. */
function runNode(args: string[], cwd: string, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

// Inside the repository (so `@tasker-ts/tasker`, zod and vitest resolve) but in .data/, which
// git, biome and the project's test runs ignore.
let dir: string;
beforeAll(() => {
  dir = join(PACKAGE_DIR, ".data", `cli-generate-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tasker-ctl template generate step_handler", { timeout: 240_000 }, () => {
  it("writes a typed handler and its test, and the test passes under vitest", async () => {
    const out = join(dir, "handlers");
    const { code, stdout } = await runCli([
      "template",
      "generate",
      "step_handler",
      "--name",
      "ValidateCart",
      "--namespace",
      "ecommerce",
      "--out",
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`created ${join(out, "validate-cart.ts")}`);
    expect(stdout).toContain(`created ${join(out, "validate-cart.test.ts")}`);
    expect(stdout).toContain(
      "handler validateCart runs steps with handler.callable: ecommerce.validate_cart",
    );
    const handler = readFileSync(join(out, "validate-cart.ts"), "utf8");
    expect(handler).toContain('defineHandler(\n  "ecommerce.validate_cart",');
    expect(handler).toContain("z.object(");

    // A config of its own, so vitest does not pick up the package's projects; it resolves the
    // package from source as the workspace does (nothing is built here).
    writeFileSync(
      join(out, "vitest.config.mjs"),
      `import { fromSource } from ${JSON.stringify(join(ROOT, "vitest.workspace-source.ts"))};\nexport default { ...fromSource, test: { include: ["*.test.ts"] } };\n`,
    );
    const vitest = await runNode(
      [
        join(ROOT, "node_modules/vitest/vitest.mjs"),
        "run",
        "--config",
        join(out, "vitest.config.mjs"),
        "--root",
        out,
      ],
      out,
    );
    expect(vitest.code, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/Tests +4 passed \(4\)/);
  });

  it("generates code that passes the repository's lint and format rules", async () => {
    // Biome only checks files under its root, so the generated files get a copy of the
    // repository's rules in a folder of their own.
    const out = mkdtempSync(join(tmpdir(), "tasker-ctl-lint-"));
    try {
      const rules = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8"));
      for (const key of ["$schema", "vcs", "files"]) delete rules[key];
      writeFileSync(join(out, "biome.json"), JSON.stringify(rules));
      const generated = await runCli([
        "template",
        "generate",
        "step-handler",
        "--name",
        "send_receipt",
        "--out",
        out,
      ]);
      expect(generated.code).toBe(0);
      const biome = join(ROOT, "node_modules/@biomejs/biome/bin/biome");
      const checked = await runNode([biome, "check", "send-receipt.ts", "send-receipt.test.ts"], out);
      expect(checked.code, checked.stdout + checked.stderr).toBe(0);
      expect(checked.stdout).toContain("Checked 2 files");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("refuses to overwrite (exit 4) unless --force", async () => {
    const out = join(dir, "twice");
    const args = ["template", "generate", "step_handler", "--name", "Ship", "--out", out];
    expect((await runCli(args)).code).toBe(0);
    writeFileSync(join(out, "ship.ts"), "// edited by hand\n");
    const again = await runCli(args);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/refusing to overwrite \S+ship\.ts, \S+ship\.test\.ts; pass --force/);
    expect(readFileSync(join(out, "ship.ts"), "utf8")).toBe("// edited by hand\n");
    expect((await runCli([...args, "--force"])).code).toBe(0);
    expect(readFileSync(join(out, "ship.ts"), "utf8")).toContain("defineHandler(");
  });

  it("rejects a bad name or namespace with exit 2", async () => {
    const [name, namespace] = await Promise.all([
      runCli(["template", "generate", "step_handler", "--name", "9lives", "--out", dir]),
      runCli(["template", "generate", "step_handler", "--name", "ok", "--namespace", "bad-ns", "--out", dir]),
    ]);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('--name "9lives" must start with a letter');
    expect(namespace.code).toBe(2);
    expect(namespace.stderr).toContain('--namespace "bad-ns"');
  });
});

describe("tasker-ctl template generate task_template", { timeout: 240_000 }, () => {
  it("writes a linear chain that template validate accepts (round trip)", async () => {
    const out = join(dir, "templates");
    const generated = await runCliJson<{ file: string; steps: string[] }>([
      "template",
      "generate",
      "task_template",
      "--name",
      "order_flow",
      "--namespace",
      "ecommerce",
      "--steps",
      "validate,charge,ship",
      "--out",
      out,
    ]);
    expect(generated.code).toBe(0);
    expect(generated.json).toEqual({
      file: join(out, "order_flow.yaml"),
      steps: ["validate", "charge", "ship"],
    });

    const validated = await runCliJson<{ valid: boolean; templates: { name: string; steps: string[] }[] }>([
      "template",
      "validate",
      out,
    ]);
    expect(validated.code).toBe(0);
    expect(validated.json.valid).toBe(true);
    expect(validated.json.templates).toEqual([
      expect.objectContaining({ name: "order_flow", steps: ["validate", "charge", "ship"] }),
    ]);
    const graph = await runCli(["template", "visualize", join(out, "order_flow.yaml")]);
    expect(graph.stdout).toContain("  validate --> charge\n  charge --> ship\n");
  });

  it("names the bad option (exit 2) and writes nothing", async () => {
    const out = join(dir, "bad");
    const { code, stderr } = await runCli([
      "template",
      "generate",
      "task_template",
      "--name",
      "OrderFlow",
      "--namespace",
      "ecommerce",
      "--steps",
      "a,a",
      "--out",
      out,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--name "OrderFlow" must be lowercase snake_case');
    expect(stderr).toContain("--steps: step names must be unique; repeated: a");
    expect(existsSync(out)).toBe(false);
  });
});
