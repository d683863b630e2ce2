import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, runCliJson, startCli } from "./support/cli-process.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tasker-ctl-config-"));
});

describe("tasker-ctl config", { timeout: 180_000 }, () => {
  it("generate prints a commented worker.toml to stdout", async () => {
    const { code, stdout } = await runCli(["config", "generate"]);
    expect(code).toBe(0);
    expect(stdout).toContain("[common.database]\n");
    expect(stdout).toContain("[worker.web]\n");
    expect(stdout).toMatch(/^# /m);
  });

  it("generate --out writes a file that validate accepts (exit 0), with the values given", async () => {
    const file = join(dir, "worker.toml");
    const generated = await runCli([
      "config",
      "generate",
      "--out",
      file,
      "--namespaces",
      "ecommerce,billing",
      "--handlers",
      "./handlers",
    ]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain(`created ${file}`);
    const validated = await runCli(["config", "validate", file]);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toContain(`ok      ${file}`);
    expect(validated.stdout).toContain("namespaces ecommerce, billing");
    expect(validated.stdout).toContain(`handlers:    ${join(dir, "handlers")}`);
  });

  it("validate applies environment overrides and never prints secrets", async () => {
    const file = join(dir, "env.toml");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR:-default} is the TOML interpolation syntax
    writeFileSync(file, '[common.database]\nurl = "${DB:-}"\n');
    const { code, json } = await runCliJson<{ valid: boolean; env_overrides: string[]; config: unknown }>(
      ["config", "validate", file],
      { env: { DB: "postgres://app:hunter2@db/tasker", TASKER_WORKER_NAMESPACES: "ops" } },
    );
    expect(code).toBe(0);
    expect(json.valid).toBe(true);
    expect(json.env_overrides).toEqual(["TASKER_WORKER_NAMESPACES"]);
    expect(JSON.stringify(json.config)).toContain("postgres://app:***@db/tasker");
    expect(JSON.stringify(json.config)).not.toContain("hunter2");
  });

  it("validate exits 2 naming the key of every bad value", async () => {
    const file = join(dir, "bad.toml");
    writeFileSync(file, '[worker]\nconcurrency = "ten"\n\n[common.queues]\nbackend = "kafka"\n');
    const { code, stdout } = await runCli(["config", "validate", file]);
    expect(code).toBe(2);
    expect(stdout).toMatch(new RegExp(`^error +${file.replace(/[.]/g, "\\.")}: worker\\.concurrency: `, "m"));
    expect(stdout).toMatch(/: common\.queues\.backend: .*postgres/);
  });

  it("validate reports unknown keys and bad values together (exit 2); --lenient makes the keys warnings", async () => {
    const file = join(dir, "typo.toml");
    writeFileSync(file, "[worker]\nconcurency = 3\nshutdown_timeout_ms = -1\n");
    const strict = await runCli(["config", "validate", file]);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toMatch(
      /^error +\S+: worker\.concurency: unknown key \(did you mean "concurrency"\?\)$/m,
    );
    expect(strict.stdout).toMatch(/^error +\S+: worker\.shutdown_timeout_ms: must be >= 0, got -1$/m);
    const lenient = await runCli(["config", "validate", "--lenient", file]);
    expect(lenient.code).toBe(2);
    expect(lenient.stdout).toMatch(/^error +\S+: worker\.shutdown_timeout_ms: /m);
    expect(lenient.stdout).toMatch(/^warning \S+: worker\.concurency: unknown key, ignored/m);
    writeFileSync(file, "[worker]\nconcurency = 3\n");
    expect((await runCli(["config", "validate", "--lenient", file])).code).toBe(0);
    expect((await runCli(["config", "validate", file], { env: { TASKER_LENIENT: "true" } })).code).toBe(0);
  });

  it("validate exits 2 on TOML syntax errors and missing files, and without a file", async () => {
    const broken = join(dir, "broken.toml");
    writeFileSync(broken, "[worker\nconcurrency = 1\n");
    const [syntax, missing, none] = await Promise.all([
      runCli(["config", "validate", broken]),
      runCli(["config", "validate", join(dir, "nope.toml")]),
      runCli(["config", "validate"]),
    ]);
    expect(syntax.code).toBe(2);
    expect(syntax.stdout).toMatch(/TOML syntax error at line 1/);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain("config file not found");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("name the config file, or set TASKER_CONFIG_PATH");
  });

  it("generate refuses to overwrite without --force (exit 4)", async () => {
    const file = join(dir, "keep.toml");
    writeFileSync(file, "# mine\n");
    const refused = await runCli(["config", "generate", "--out", file]);
    expect(refused.code).toBe(4);
    expect(readFileSync(file, "utf8")).toBe("# mine\n");
    expect((await runCli(["config", "generate", "--out", file, "--force"])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("[common.database]");
  });

  // Issue #28: serve refused the API-key example of a generated file that `config validate`
  // accepted (steps:read), and listened on 0.0.0.0 without auth with the bind_address it wrote
  // while saying 127.0.0.1.
  it("serve runs a generated worker.toml as written, and with its API-key example uncommented", async () => {
    const file = join(dir, "serve.toml");
    expect((await runCli(["config", "generate", "--out", file])).code).toBe(0);
    const ready = /orchestration API on (http:\/\/\S+) \(.*listening on ([^)]+)\)/;
    const plain = await startCli(
      ["serve", "--config", file, "--port", "0", "--data-dir", join(dir, "db-1")],
      {
        ready,
      },
    );
    expect(plain.match[2]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await plain.stop()).toBe(0);

    const withKeys = join(dir, "serve-keys.toml");
    writeFileSync(
      withKeys,
      readFileSync(file, "utf8")
        .replace("enabled = false\n# One block", "enabled = true\n# One block")
        .replace(/^# (\[\[orchestration|name =|key =|permissions =)/gm, "$1"),
    );
    expect(
      (await runCli(["config", "validate", withKeys], { env: { TASKER_OPS_API_KEY: "k".repeat(24) } })).code,
    ).toBe(0);
    const keyed = await startCli(
      ["serve", "--config", withKeys, "--port", "0", "--data-dir", join(dir, "db-2")],
      {
        ready,
        env: { TASKER_OPS_API_KEY: "k".repeat(24) },
      },
    );
    const tasks = await fetch(`${keyed.match[1]}/v1/tasks`);
    expect(tasks.status).toBe(401);
    const withKey = await fetch(`${keyed.match[1]}/v1/tasks`, { headers: { "X-API-Key": "k".repeat(24) } });
    expect(withKey.status).toBe(200);
    expect(await keyed.stop()).toBe(0);
  });

  it("serve refuses every interface without API keys unless allowed, then says where it listens", async () => {
    const file = join(dir, "open.toml");
    expect((await runCli(["config", "generate", "--out", file])).code).toBe(0);
    const open = readFileSync(file, "utf8").replace(
      '# bind_address = "0.0.0.0:8080"',
      'bind_address = "0.0.0.0:0"',
    );
    writeFileSync(file, open);
    const refused = await runCli(["serve", "--config", file, "--data-dir", join(dir, "db-3")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /refusing to serve the orchestration API on 0\.0\.0\.0 \(every interface\)/,
    );
    const allowed = await startCli(
      ["serve", "--config", file, "--data-dir", join(dir, "db-3"), "--allow-unauthenticated-network"],
      { ready: /listening on (0\.0\.0\.0:\d+ \(all interfaces\))/ },
    );
    expect(await allowed.stop()).toBe(0);
    writeFileSync(
      file,
      open.replace("allow_unauthenticated_network = false", "allow_unauthenticated_network = true"),
    );
    const byConfig = await startCli(["serve", "--config", file, "--data-dir", join(dir, "db-3")], {
      ready: /listening on 0\.0\.0\.0:\d+ \(all interfaces\)/,
    });
    expect(await byConfig.stop()).toBe(0);
  });
});
