import { PERMISSIONS } from "../model/permissions.js";
import { defaultConfig } from "./schema.js";

/** Values {@link generateConfigToml} writes instead of the defaults. */
export interface GenerateConfigOptions {
  /** Written as the database url; default `${DATABASE_URL:-}` (empty = embedded PGlite). */
  databaseUrl?: string;
  searchPaths?: string[];
  handlerPaths?: string[];
  namespaces?: string[];
  /** Written uncommented when given; otherwise the <hostname>-<pid> default applies. */
  workerId?: string;
}

/** A TOML literal for a string, number, boolean or list of strings (JSON escapes are valid TOML). */
function toml(value: string | number | boolean | readonly string[]): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * A commented worker.toml with every section at its defaults (web and gRPC off), for
 * `tasker-ctl config generate`. Values come from the schema's defaults, so they cannot drift.
 */
export function generateConfigToml(options: GenerateConfigOptions = {}): string {
  const d = defaultConfig();
  const { database, queues, backoff } = d.common;
  const { worker, orchestration } = d;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: written into the TOML for interpolation at load time
  const databaseUrl = options.databaseUrl ?? "${DATABASE_URL:-}";
  const workerId = options.workerId ? `worker_id = ${toml(options.workerId)}` : `# worker_id = "worker-1"`;
  return `# tasker worker / orchestration configuration (worker.toml).
# Every value below is the default. Strings may use \${VAR} and \${VAR:-default} (from the
# environment), and these variables override the matching settings: DATABASE_URL,
# TASKER_MESSAGING_BACKEND, RABBITMQ_URL, TASKER_TEMPLATE_PATH (prepended to search_paths),
# TASKER_WORKER_NAMESPACES (comma list), TASKER_API_KEYS ("key:perm1|perm2,key2:*").
# Relative paths are relative to this file. Check it with: tasker-ctl config validate

[common.database]
# PostgreSQL connection string (postgres://user:pass@host:5432/db); empty = embedded PGlite.
url = ${toml(databaseUrl)}
# Connections per process.
pool_max = ${toml(database.pool_max)}

[common.queues]
# "postgres" (tables with SKIP LOCKED + LISTEN/NOTIFY) or "rabbitmq".
backend = ${toml(queues.backend)}
# A claimed step message becomes visible again after this long if its worker dies.
visibility_timeout_seconds = ${toml(queues.visibility_timeout_seconds)}
# How often to poll when no NOTIFY arrives (the fallback wake-up).
poll_interval_ms = ${toml(queues.poll_interval_ms)}
# Messages read per poll.
batch_size = ${toml(queues.batch_size)}

[common.queues.rabbitmq]
# Used only with backend = "rabbitmq".
url = ${toml(queues.rabbitmq.url)}

[common.backoff]
# Retry delays for steps whose template does not set them.
default_backoff_base_ms = ${toml(backoff.default_backoff_base_ms)}
max_backoff_ms = ${toml(backoff.max_backoff_ms)}
# Random spread added to each retry delay, in percent (keeps retries from arriving in lockstep).
jitter_percent = ${toml(backoff.jitter_percent)}

[common.task_templates]
# Template files or directories, searched recursively for *.yml / *.yaml.
search_paths = ${toml(options.searchPaths ?? d.common.task_templates.search_paths)}

[worker]
# Unique per worker process; default <hostname>-<pid>.
${workerId}
# Namespaces this worker serves; empty = every namespace with a registered template.
namespaces = ${toml(options.namespaces ?? worker.namespaces)}
# Steps this process runs at the same time.
concurrency = ${toml(worker.concurrency)}
# Transactions storing step results at once; results that finish meanwhile are stored together.
write_concurrency = ${toml(worker.write_concurrency)}
# The largest result or error a handler may produce, in bytes of JSON; a larger one fails its step.
max_result_bytes = ${toml(worker.max_result_bytes)}
# On shutdown, wait this long for running steps before aborting them.
shutdown_timeout_ms = ${toml(worker.shutdown_timeout_ms)}
# Directories to discover step handlers in.
handler_paths = ${toml(options.handlerPaths ?? worker.handler_paths)}

[worker.web]
# The worker's own status API (off: the worker runs inside your app).
enabled = ${toml(worker.web.enabled)}
bind_address = ${toml(worker.web.bind_address)}

[worker.grpc]
enabled = ${toml(worker.grpc.enabled)}

[worker.orchestration_client]
# Where the orchestration API is, for workers in other processes.
base_url = ${toml(worker.orchestration_client.base_url)}
timeout_ms = ${toml(worker.orchestration_client.timeout_ms)}

[orchestration]
# Backpressure: new tasks are refused (503) while this many are unfinished.
max_pending_tasks = ${toml(orchestration.max_pending_tasks)}

[orchestration.web]
# Where \`tasker-ctl serve\` listens; unset = 127.0.0.1:8080 on embedded PGlite, 0.0.0.0:8080 on
# PostgreSQL (which requires API keys). Beyond loopback without keys is refused unless
# allow_unauthenticated_network = true (a trusted network only).
# bind_address = "0.0.0.0:8080"
allow_unauthenticated_network = ${toml(orchestration.web.allow_unauthenticated_network)}
# A request's headers and body must arrive within this time; a slower client gets 408 and is cut off.
request_timeout_ms = ${toml(orchestration.web.request_timeout_ms)}

[orchestration.web.auth]
# Require an X-API-Key header on the orchestration API.
enabled = ${toml(orchestration.web.auth.enabled)}
# One block per client; permissions from: ${PERMISSIONS.join(", ")},
# "<resource>:*" (tasks:*, templates:*, ...) or "*" for everything.
# [[orchestration.web.auth.api_keys]]
# name = "ops"
# key = "\${TASKER_OPS_API_KEY}"
# permissions = ["tasks:read", "tasks:write", "steps:resolve"]
`;
}
