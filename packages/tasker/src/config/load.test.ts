// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the interpolation syntax under test, not a mistaken template
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { loadConfig, parseConfigText } from "./load.js";
import { defaultConfig } from "./schema.js";

const KEY_A = "a".repeat(32);
const KEY_B = "b".repeat(32);

const dir = mkdtempSync(join(tmpdir(), "tasker-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfigText(text, "worker.toml", { env });

describe("defaults", () => {
  it("fills every setting", () => {
    const { config, warnings } = parse("");
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      common: {
        database: { url: "", pool_max: 10 },
        queues: {
          backend: "postgres",
          visibility_timeout_seconds: 30,
          poll_interval_ms: 1000,
          batch_size: 10,
          rabbitmq: { url: "amqp://guest:guest@127.0.0.1:5672" },
        },
        backoff: { default_backoff_base_ms: 1000, max_backoff_ms: 30000, jitter_percent: 10 },
        task_templates: { search_paths: [] },
      },
      worker: {
        worker_id: `${hostname()}-${process.pid}`,
        namespaces: [],
        concurrency: 10,
        write_concurrency: 2,
        max_result_bytes: 4_194_304,
        shutdown_timeout_ms: 30000,
        handler_paths: [],
        web: { enabled: false, bind_address: "0.0.0.0:8081" },
        grpc: { enabled: false },
        orchestration_client: { base_url: "http://localhost:8080", timeout_ms: 5000 },
      },
      orchestration: {
        max_pending_tasks: 10000,
        web: {
          allow_unauthenticated_network: false,
          request_timeout_ms: 30000,
          auth: { enabled: false, api_keys: [] },
        },
      },
    });
    expect(defaultConfig()).toEqual(config);
  });

  it("keeps the defaults of a section when only some of its keys are set", () => {
    const { config } = parse('[common.queues]\nbackend = "rabbitmq"\n');
    expect(config.common.queues).toMatchObject({ backend: "rabbitmq", visibility_timeout_seconds: 30 });
    expect(config.common.queues.rabbitmq.url).toBe("amqp://guest:guest@127.0.0.1:5672");
  });

  it("loadConfig without a file is every default", () => {
    const loaded = loadConfig({ env: {} });
    expect(loaded.source).toEqual({ file: null, envOverrides: [] });
    expect(loaded.config).toEqual(defaultConfig());
    expect(loaded.warnings).toEqual([]);
  });
});

describe("interpolation", () => {
  it("replaces ${VAR} and uses ${VAR:-default} when unset", () => {
    const text = `
[common.database]
url = "postgres://\${DB_USER}@\${DB_HOST:-localhost}:5432/tasker"
[worker]
worker_id = "\${POD_NAME:-worker-1}"
`;
    const { config } = parse(text, { DB_USER: "tasker" });
    expect(config.common.database.url).toBe("postgres://tasker@localhost:5432/tasker");
    expect(config.worker.worker_id).toBe("worker-1");
    expect(parse(text, { DB_USER: "u", DB_HOST: "db", POD_NAME: "pod-7" }).config.worker.worker_id).toBe(
      "pod-7",
    );
  });

  it("interpolates after parsing, so quotes and # in values cannot break the TOML", () => {
    const { config } = parse('[common.database]\nurl = "${DATABASE_URL}"\n', {
      DATABASE_URL: 'postgres://u:p"#x@h/db',
    });
    expect(config.common.database.url).toBe('postgres://u:p"#x@h/db');
  });

  it("accepts numbers and booleans that arrive as interpolated strings", () => {
    const { config } = parse(
      '[worker]\nconcurrency = "${WORKERS:-4}"\n[worker.web]\nenabled = "${WEB:-false}"\n',
      {
        WEB: "true",
      },
    );
    expect(config.worker.concurrency).toBe(4);
    expect(config.worker.web.enabled).toBe(true);
  });

  it("errors on an unset variable without a default, naming file and key", () => {
    expect(errorOf(() => parse('[common.database]\nurl = "${NOPE}"\n')).message).toBe(
      "worker.toml: common.database.url: environment variable NOPE is not set; set it, or give a default: ${NOPE:-value}",
    );
  });
});

describe("environment overrides", () => {
  const file = writeConfig(
    "conf/worker.toml",
    `
[common.database]
url = "postgres://file@localhost/tasker"
[common.task_templates]
search_paths = ["templates", "/abs/templates"]
[worker]
namespaces = ["from_file"]
handler_paths = ["./handlers"]
[orchestration.web.auth]
enabled = true
[[orchestration.web.auth.api_keys]]
name = "file"
key = "${KEY_A}"
permissions = ["tasks:read"]
`,
  );

  it("applies no overrides without variables, resolving relative paths against the file", () => {
    const { config, source } = loadConfig({ path: file, env: {} });
    expect(source).toEqual({ file, envOverrides: [] });
    expect(config.common.database.url).toBe("postgres://file@localhost/tasker");
    expect(config.common.task_templates.search_paths).toEqual([
      join(dir, "conf", "templates"),
      "/abs/templates",
    ]);
    expect(config.worker.handler_paths).toEqual([join(dir, "conf", "handlers")]);
  });

  it("reads the file from TASKER_CONFIG_PATH", () => {
    expect(loadConfig({ env: { TASKER_CONFIG_PATH: file } }).source.file).toBe(file);
  });

  it("puts every supported variable on top of the file", () => {
    const { config, source } = loadConfig({
      path: file,
      cwd: "/srv/app",
      env: {
        DATABASE_URL: "postgres://env@db/tasker",
        TASKER_MESSAGING_BACKEND: "rabbitmq",
        RABBITMQ_URL: "amqps://user:pass@mq:5671",
        TASKER_TEMPLATE_PATH: "env-templates",
        TASKER_WORKER_NAMESPACES: " sales, compliance ,",
        TASKER_API_KEYS: `${KEY_B}:tasks:read|tasks:write,${KEY_A}:*`,
      },
    });
    expect(config.common.database.url).toBe("postgres://env@db/tasker");
    expect(config.common.queues.backend).toBe("rabbitmq");
    expect(config.common.queues.rabbitmq.url).toBe("amqps://user:pass@mq:5671");
    expect(config.common.task_templates.search_paths).toEqual([
      "/srv/app/env-templates",
      join(dir, "conf", "templates"),
      "/abs/templates",
    ]);
    expect(config.worker.namespaces).toEqual(["sales", "compliance"]);
    expect(config.orchestration.web.auth).toEqual({
      enabled: true,
      api_keys: [
        { key: KEY_B, name: "TASKER_API_KEYS[0]", permissions: ["tasks:read", "tasks:write"] },
        { key: KEY_A, name: "TASKER_API_KEYS[1]", permissions: ["*"] },
      ],
    });
    expect(source.envOverrides.sort()).toEqual([
      "DATABASE_URL",
      "RABBITMQ_URL",
      "TASKER_API_KEYS",
      "TASKER_MESSAGING_BACKEND",
      "TASKER_TEMPLATE_PATH",
      "TASKER_WORKER_NAMESPACES",
    ]);
  });

  it("applies overrides without a file, and turns auth on when keys come from the environment", () => {
    const { config } = loadConfig({ env: { TASKER_API_KEYS: `${KEY_A}:metrics:read` } });
    expect(config.orchestration.web.auth.enabled).toBe(true);
    expect(config.orchestration.web.auth.api_keys[0]?.permissions).toEqual(["metrics:read"]);
    const off = loadConfig({ env: { TASKER_API_KEYS: `${KEY_A}:*`, TASKER_AUTH_ENABLED: "false" } });
    expect(off.config.orchestration.web.auth.enabled).toBe(false);
  });

  it("accepts TASKER_API_KEYS as a JSON array too, and TASKER_API_KEY as one all-permission key", () => {
    const json = loadConfig({
      env: { TASKER_API_KEYS: JSON.stringify([{ key: KEY_A, name: "ops", permissions: ["tasks:read"] }]) },
    });
    expect(json.config.orchestration.web.auth.api_keys).toEqual([
      { key: KEY_A, name: "ops", permissions: ["tasks:read"] },
    ]);
    const single = loadConfig({ env: { TASKER_API_KEY: KEY_B } });
    expect(single.config.orchestration.web.auth.api_keys).toEqual([
      { key: KEY_B, name: "TASKER_API_KEY", permissions: ["*"] },
    ]);
  });

  it("ignores empty variables", () => {
    const { config, source } = loadConfig({
      path: file,
      env: { DATABASE_URL: "", TASKER_WORKER_NAMESPACES: " " },
    });
    expect(config.common.database.url).toBe("postgres://file@localhost/tasker");
    expect(config.worker.namespaces).toEqual(["from_file"]);
    expect(source.envOverrides).toEqual([]);
  });

  it("names the variable, not the file, when an overriding value is bad", () => {
    expect(
      errorOf(() => loadConfig({ path: file, env: { TASKER_MESSAGING_BACKEND: "kafka" } })).message,
    ).toBe(
      'environment variable TASKER_MESSAGING_BACKEND: common.queues.backend: must be one of "postgres", "rabbitmq", got "kafka"',
    );
    expect(errorOf(() => loadConfig({ env: { TASKER_API_KEYS: `${KEY_A}:tasks:delete` } })).message).toBe(
      'environment variable TASKER_API_KEYS: orchestration.web.auth.api_keys[0].permissions[0]: must be "*", "<resource>:*" (tasks, steps, templates, metrics) or one of: tasks:read, tasks:write, steps:resolve, templates:read, templates:write, metrics:read, worker (did you mean "tasks:write"?)',
    );
    expect(errorOf(() => loadConfig({ env: { TASKER_API_KEYS: "no-permissions" } })).message).toBe(
      'environment variable TASKER_API_KEYS: entry 1 must be "key:permission|permission" (e.g. "<key>:tasks:read|tasks:write" or "<key>:*")',
    );
    expect(errorOf(() => loadConfig({ env: { TASKER_WORKER_NAMESPACES: "sales,team-b" } })).message).toBe(
      'environment variable TASKER_WORKER_NAMESPACES: worker.namespaces[1]: must be a namespace: 1-29 characters of letters, digits and _ (got "team-b")',
    );
  });
});

describe("unknown keys", () => {
  it("are errors by default, each with a suggestion, reported with the invalid values", () => {
    const error = errorOf(() =>
      parse("[worker]\nconcurency = 3\nshutdown_timeout_ms = -1\n[worker.web]\nenable = true\n"),
    );
    expect((error as ConfigError).issues).toEqual([
      {
        source: "worker.toml",
        key: "worker.concurency",
        message: 'unknown key (did you mean "concurrency"?)',
      },
      { source: "worker.toml", key: "worker.web.enable", message: 'unknown key (did you mean "enabled"?)' },
      { source: "worker.toml", key: "worker.shutdown_timeout_ms", message: "must be >= 0, got -1" },
    ]);
    expect(errorOf(() => parse("[metrics]\nport = 1\n")).message).toBe(
      "worker.toml: metrics: unknown key; remove it, or load leniently (--lenient, TASKER_LENIENT=true) to ignore unknown keys",
    );
  });

  it("lenient (option or TASKER_LENIENT): warnings, still reported beside errors", () => {
    const lenient = (text: string) => parseConfigText(text, "worker.toml", { env: {}, lenient: true });
    expect(
      parseConfigText("[worker]\nconcurency = 3\n", "w.toml", { env: { TASKER_LENIENT: "true" } }).warnings,
    ).toHaveLength(1);
    const error = errorOf(() =>
      lenient("[worker]\nconcurency = 3\nshutdown_timeout_ms = -1\n"),
    ) as ConfigError;
    expect(error.issues.map((i) => i.key)).toEqual(["worker.shutdown_timeout_ms"]);
    expect(error.warnings.map((i) => i.key)).toEqual(["worker.concurency"]);
    expect(error.message).toContain(
      'worker.concurency: unknown key, ignored (did you mean "concurrency"?) (warning)',
    );
  });

  it("lenient: warns with the full dotted key and a suggestion, and ignores the value", () => {
    const { config, warnings } = parseConfigText(
      `
[worker]
concurency = 3
[worker.web]
enable = true
[orchestration.web.auth]
[[orchestration.web.auth.api_keys]]
key = "${KEY_A}"
permissions = ["*"]
scope = "all"
[metrics]
port = 9090
`,
      "worker.toml",
      { env: {}, lenient: true },
    );
    expect(config.worker.concurrency).toBe(10);
    expect(warnings).toEqual([
      {
        source: "worker.toml",
        key: "worker.concurency",
        message: 'unknown key, ignored (did you mean "concurrency"?)',
      },
      {
        source: "worker.toml",
        key: "worker.web.enable",
        message: 'unknown key, ignored (did you mean "enabled"?)',
      },
      {
        source: "worker.toml",
        key: "orchestration.web.auth.api_keys[0].scope",
        message: "unknown key, ignored",
      },
      { source: "worker.toml", key: "metrics", message: "unknown key, ignored" },
    ]);
  });
});

describe("bad values", () => {
  it.each([
    ['[worker]\nconcurrency = "ten"', 'worker.toml: worker.concurrency: expected a number, got "ten"'],
    ["[worker]\nconcurrency = 2.5", "worker.toml: worker.concurrency: expected an integer, got 2.5"],
    ["[worker]\nconcurrency = 0", "worker.toml: worker.concurrency: must be >= 1, got 0"],
    ["[worker]\nshutdown_timeout_ms = -1", "worker.toml: worker.shutdown_timeout_ms: must be >= 0, got -1"],
    ['[worker]\nworker_id = ""', "worker.toml: worker.worker_id: must not be empty"],
    ['[worker]\nnamespaces = "a,b"', 'worker.toml: worker.namespaces: expected a list, got "a,b"'],
    ["[worker]\nhandler_paths = [1]", "worker.toml: worker.handler_paths[0]: expected a string, got 1"],
    ['[worker.web]\nenabled = "yes"', 'worker.toml: worker.web.enabled: expected true or false, got "yes"'],
    ["[worker.grpc]\nenabled = 1", "worker.toml: worker.grpc.enabled: expected true or false, got 1"],
    [
      '[worker.web]\nbind_address = "8081"',
      'worker.toml: worker.web.bind_address: must be "host:port", e.g. "0.0.0.0:8080" (got "8081")',
    ],
    [
      '[orchestration.web]\nbind_address = "0.0.0.0:99999"',
      "worker.toml: orchestration.web.bind_address: port must be at most 65535",
    ],
    [
      '[worker.orchestration_client]\nbase_url = "localhost:8080"',
      'worker.toml: worker.orchestration_client.base_url: must be a URL starting with http:// or https://, e.g. http://localhost:8080 (got "localhost:8080")',
    ],
    [
      "[worker.orchestration_client]\ntimeout_ms = 0",
      "worker.toml: worker.orchestration_client.timeout_ms: must be >= 1, got 0",
    ],
    ["[common.database]\nurl = 5432", "worker.toml: common.database.url: expected a string, got 5432"],
    ["[common.database]\npool_max = 0", "worker.toml: common.database.pool_max: must be >= 1, got 0"],
    [
      '[common.queues]\nbackend = "kafka"',
      'worker.toml: common.queues.backend: must be one of "postgres", "rabbitmq", got "kafka"',
    ],
    [
      "[common.queues]\nvisibility_timeout_seconds = 0",
      "worker.toml: common.queues.visibility_timeout_seconds: must be >= 1, got 0",
    ],
    [
      "[common.queues]\npoll_interval_ms = 1",
      "worker.toml: common.queues.poll_interval_ms: must be >= 10, got 1",
    ],
    [
      "[common.queues]\nbatch_size = 1001",
      "worker.toml: common.queues.batch_size: must be <= 1000, got 1001",
    ],
    [
      '[common.queues.rabbitmq]\nurl = "http://user:secret@mq"',
      'worker.toml: common.queues.rabbitmq.url: must be a URL starting with amqp:// or amqps://, e.g. amqp://guest:guest@127.0.0.1:5672 (got "http://***@mq")',
    ],
    [
      "[common.backoff]\njitter_percent = 150",
      "worker.toml: common.backoff.jitter_percent: must be <= 100, got 150",
    ],
    [
      "[common.backoff]\ndefault_backoff_base_ms = 5000\nmax_backoff_ms = 100",
      "worker.toml: common.backoff.max_backoff_ms: must be >= default_backoff_base_ms; raise max_backoff_ms or lower default_backoff_base_ms",
    ],
    [
      '[common.task_templates]\nsearch_paths = "templates"',
      'worker.toml: common.task_templates.search_paths: expected a list, got "templates"',
    ],
    [
      "[orchestration]\nmax_pending_tasks = 0",
      "worker.toml: orchestration.max_pending_tasks: must be >= 1, got 0",
    ],
    [
      "[orchestration.web.auth]\nenabled = true",
      "worker.toml: orchestration.web.auth.api_keys: auth is enabled but no API keys are configured; add [[orchestration.web.auth.api_keys]] entries (or TASKER_API_KEYS), or set enabled = false",
    ],
    [
      '[[orchestration.web.auth.api_keys]]\nkey = "short"\npermissions = ["*"]',
      "worker.toml: orchestration.web.auth.api_keys[0].key: must be at least 16 characters (generate one with `openssl rand -hex 32`)",
    ],
    [
      `[[orchestration.web.auth.api_keys]]\nkey = "${KEY_A}"\npermissions = []`,
      "worker.toml: orchestration.web.auth.api_keys[0].permissions: needs at least one permission: *, <resource>:*, or tasks:read, tasks:write, steps:resolve, templates:read, templates:write, metrics:read, worker",
    ],
    [
      `[[orchestration.web.auth.api_keys]]\nkey = "${KEY_A}"\npermissions = ["*"]\n[[orchestration.web.auth.api_keys]]\nkey = "${KEY_A}"\npermissions = ["*"]`,
      "worker.toml: orchestration.web.auth.api_keys[1].key: the same key is configured twice; give each client its own key",
    ],
    [
      "[worker\nconcurrency = 1",
      "worker.toml: TOML syntax error at line 1, column 8: Invalid TOML document: illegal character in key",
    ],
  ])("%s", (text, expected) => {
    expect(errorOf(() => parse(text)).message).toBe(expected);
  });

  it("lists every problem, one per line, with structured issues", () => {
    const error = errorOf(() => parse('[worker]\nconcurrency = 0\n[common.queues]\nbackend = "kafka"\n'));
    expect(error.file).toBe("worker.toml");
    expect(error.issues.map((i) => i.key)).toEqual(["common.queues.backend", "worker.concurrency"]);
    expect(error.message.split("\n")).toHaveLength(2);
  });

  it("reports a missing config file with what to do", () => {
    const missing = join(dir, "nope.toml");
    expect(errorOf(() => loadConfig({ path: missing, env: {} })).message).toBe(
      `${missing}: config file not found; check TASKER_CONFIG_PATH, or create one with \`tasker-ctl config generate\``,
    );
  });
});

describe("common.database.url", () => {
  it("must be a postgres:// URL or empty, and the message masks the password", () => {
    expect(() =>
      parseConfigText('[common.database]\nurl = "mysql://root:secret@db/x"\n', "worker.toml"),
    ).toThrow(
      /worker\.toml: common\.database\.url: must be a postgres:\/\/ URL, or empty for embedded PGlite \(got "mysql:\/\/\*\*\*@db\/x"\)/,
    );
    expect(
      parseConfigText('[common.database]\nurl = "postgresql://u:p@h/db"\n', "w.toml").config.common.database
        .url,
    ).toBe("postgresql://u:p@h/db");
    expect(parseConfigText("", "w.toml").config.common.database.url).toBe("");
  });
});
