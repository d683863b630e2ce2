import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, PACKAGE_DIR, runCli } from "./support/cli-process.js";

describe("tasker-ctl basics", { timeout: 180_000 }, () => {
  it("--help lists every command group and the exit codes, exit 0", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const command of ["serve", "worker", "migrate", "task", "step", "template", "config"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    expect(stdout).toContain(
      "Exit codes: 0 ok, 1 operation failed, 2 usage or validation error, 3 not found",
    );
  });

  it("has --help on every subcommand, including the spec's task aliases", async () => {
    const commands = [
      ["task", "create"],
      ["task", "retry-step"],
      ["task", "resolve-step"],
      ["step", "complete"],
      ["template", "generate", "step_handler"],
      ["config", "validate"],
    ];
    const results = await Promise.all(commands.map((c) => runCli([...c, "--help"])));
    results.forEach(({ code, stdout }, i) => {
      expect(code, commands[i]!.join(" ")).toBe(0);
      expect(stdout).toContain(`Usage: tasker-ctl ${commands[i]!.join(" ")}`);
    });
    expect(results[0]!.stdout).toContain("--wait");
    expect(results[1]!.stdout).toContain("reset_for_retry");
  });

  it("prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"));
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it("exits 2 on usage errors, with a suggestion or the missing option named", async () => {
    const [unknown, missing, badChoice, badNumber] = await Promise.all([
      runCli(["tempalte", "list"]),
      runCli(["task", "create", "--name", "x"]),
      runCli(["task", "list", "--status", "done"]),
      runCli(["task", "list", "--limit", "lots"]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'tempalte'");
    expect(unknown.stderr).toContain("(Did you mean template?)");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--namespace <namespace>' not specified");
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain("Allowed choices are pending, initializing");
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('expected a positive whole number, got "lots"');
  });

  it("colours output only when asked (FORCE_COLOR) and never with NO_COLOR", async () => {
    const file = join(FIXTURES, "templates/pipeline.yaml");
    const [plain, forced] = await Promise.all([
      runCli(["template", "validate", file]),
      runCli(["template", "validate", file], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }),
    ]);
    expect(plain.stdout).not.toContain("\u001b[");
    expect(forced.stdout).toContain("\u001b[32mok\u001b[39m");
  });

  it("reports an unreachable API with exit 5, as text or as a JSON error", async () => {
    const [text, json] = await Promise.all([
      runCli(["task", "list", "--url", "http://127.0.0.1:9"]),
      runCli(["task", "list", "--url", "http://127.0.0.1:9", "--json"]),
    ]);
    expect(text.code).toBe(5);
    expect(text.stderr).toMatch(/^error: cannot reach the orchestration API at http:\/\/127\.0\.0\.1:9/m);
    expect(json.code).toBe(5);
    expect(json.stdout).toBe("");
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
  });

  it("rejects a task uuid that is not one before calling the API (exit 2)", async () => {
    const { code, stderr } = await runCli(["task", "get", "not-a-uuid", "--url", "http://127.0.0.1:9"]);
    expect(code).toBe(2);
    expect(stderr).toContain('"not-a-uuid" is not a task UUID');
  });
});
