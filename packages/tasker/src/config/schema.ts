import { hostname } from "node:os";
import { z } from "zod";
import {
  isPermissionGrant,
  PERMISSION_GRANTS,
  PERMISSIONS,
  permissionGrantProblem,
} from "../model/permissions.js";
import {
  DEFAULT_MAX_RESULT_BYTES,
  MAX_RESULT_BYTES_CEILING,
  MIN_RESULT_BYTES,
} from "../model/result-limits.js";
import { NAMESPACE_PATTERN } from "../model/task-request.js";
import { describeValue, withInput } from "../template/issue-messages.js";

/** What an API key may be granted in worker.toml / TASKER_API_KEYS: what the API checks (one list). */
export const API_PERMISSIONS = PERMISSION_GRANTS;
/** A permission named in `[[orchestration.web.auth.api_keys]]`. */
export type ApiPermission = string;

/** Signal transports `common.queues.backend` accepts. */
export const QUEUE_BACKENDS = ["postgres", "rabbitmq"] as const;

/** `host:port`, `[ipv6]:port`. */
const BIND_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

// Values interpolated from the environment arrive as strings ("${WORKERS:-4}"); numbers and
// booleans written that way are accepted.
const fromNumericString = (v: unknown) =>
  typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
const fromBooleanString = (v: unknown) =>
  typeof v === "string" && /^\s*(true|false)\s*$/i.test(v) ? v.trim().toLowerCase() === "true" : v;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(fromNumericString, z.number().int().min(min).max(max));
const number = (min: number, max: number) => z.preprocess(fromNumericString, z.number().min(min).max(max));
const bool = () => z.preprocess(fromBooleanString, z.boolean());

const bindAddress = z
  .string()
  .regex(BIND_ADDRESS, withInput('must be "host:port", e.g. "0.0.0.0:8080"'))
  .refine((v) => Number(BIND_ADDRESS.exec(v)?.[2] ?? 0) <= 65535, "port must be at most 65535");

const urlWithScheme = (schemes: string[], example: string) =>
  z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    {
      // URLs carry passwords: the value is echoed with its credentials masked.
      error: (issue) =>
        `must be a URL starting with ${schemes.map((s) => `${s}//`).join(" or ")}, e.g. ${example} (got ${describeValue(maskCredentials(issue.input))})`,
    },
  );

function maskCredentials(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/\/\/[^/@\s]*@/, "//***@") : value;
}

const namespaceList = z.array(
  z
    .string()
    .regex(NAMESPACE_PATTERN, withInput("must be a namespace: 1-29 characters of letters, digits and _")),
);

/** One `[[orchestration.web.auth.api_keys]]` entry of worker.toml. */
export const ApiKeyConfigSchema = z.object({
  key: z
    .string()
    .min(16, "must be at least 16 characters (generate one with `openssl rand -hex 32`)")
    .describe(
      "The secret sent in X-API-Key; interpolate it from an environment variable to keep it out of the file",
    ),
  name: z.string().min(1).max(100).optional().describe("Who the key belongs to (shown in logs)"),
  permissions: z
    .array(
      z.string().refine(isPermissionGrant, { error: (issue) => permissionGrantProblem(String(issue.input)) }),
    )
    .min(1, `needs at least one permission: *, <resource>:*, or ${PERMISSIONS.join(", ")}`),
});
/** One API key as configured in worker.toml. */
export type ApiKeyConfig = z.output<typeof ApiKeyConfigSchema>;

/**
 * The worker.toml format (`[common]`, `[worker]`, `[orchestration]`) with every default;
 * numbers and booleans may also be given as strings (from `${VAR}` interpolation).
 * See docs/configuration.md.
 */
export const TaskerConfigSchema = z.object({
  common: z
    .object({
      database: z
        .object({
          /** Empty: embedded PGlite. Checked here too, so `config validate` refuses what serve/worker would. */
          url: z
            .string()
            .refine((v) => v === "" || /^postgres(ql)?:\/\//.test(v), {
              error: (issue) =>
                `must be a postgres:// URL, or empty for embedded PGlite (got ${describeValue(maskCredentials(issue.input))})`,
            })
            .default(""),
          pool_max: int(1, 1000).default(10),
        })
        .prefault({}),
      queues: z
        .object({
          backend: z.enum(QUEUE_BACKENDS).default("postgres"),
          visibility_timeout_seconds: int(1, 86_400).default(30),
          /** Fallback poll when no NOTIFY arrives. */
          poll_interval_ms: int(10, 3_600_000).default(1000),
          batch_size: int(1, 1000).default(10),
          rabbitmq: z
            .object({
              url: urlWithScheme(["amqp:", "amqps:"], "amqp://guest:guest@127.0.0.1:5672").default(
                "amqp://guest:guest@127.0.0.1:5672",
              ),
            })
            .prefault({}),
        })
        .prefault({}),
      backoff: z
        .object({
          default_backoff_base_ms: int(0).default(1000),
          max_backoff_ms: int(0).default(30_000),
          jitter_percent: number(0, 100).default(10),
        })
        .refine((b) => b.max_backoff_ms >= b.default_backoff_base_ms, {
          message:
            "must be >= default_backoff_base_ms; raise max_backoff_ms or lower default_backoff_base_ms",
          path: ["max_backoff_ms"],
        })
        .prefault({}),
      task_templates: z
        .object({
          /** Template files or directories (relative paths: relative to the config file). */
          search_paths: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  worker: z
    .object({
      worker_id: z
        .string()
        .min(1)
        .default(() => `${hostname()}-${process.pid}`),
      /** Empty: every namespace with registered templates. */
      namespaces: namespaceList.default([]),
      concurrency: int(1, 10_000).default(10),
      /** Transactions storing step results at once; results finishing meanwhile share the next. */
      write_concurrency: int(1, 64).default(2),
      /** The largest result or error a handler may produce (UTF-8 JSON); larger fails its step. */
      max_result_bytes: int(MIN_RESULT_BYTES, MAX_RESULT_BYTES_CEILING).default(DEFAULT_MAX_RESULT_BYTES),
      shutdown_timeout_ms: int(0).default(30_000),
      handler_paths: z.array(z.string().min(1)).default([]),
      web: z
        .object({
          enabled: bool().default(false),
          bind_address: bindAddress.default("0.0.0.0:8081"),
        })
        .prefault({}),
      grpc: z.object({ enabled: bool().default(false) }).prefault({}),
      orchestration_client: z
        .object({
          base_url: urlWithScheme(["http:", "https:"], "http://localhost:8080").default(
            "http://localhost:8080",
          ),
          timeout_ms: int(1).default(5000),
        })
        .prefault({}),
    })
    .prefault({}),
  orchestration: z
    .object({
      /** Backpressure: refuse new tasks (503) while this many are unfinished. */
      max_pending_tasks: int(1).default(10_000),
      web: z
        .object({
          /**
           * Where `tasker-ctl serve` listens. Unset: 127.0.0.1:8080 on embedded PGlite, 0.0.0.0:8080
           * on PostgreSQL (where API keys are required by default).
           */
          bind_address: bindAddress.optional(),
          /**
           * Serve beyond loopback with auth off (a trusted network): refused otherwise, since anyone
           * who can reach the port could create, cancel and resolve tasks.
           */
          allow_unauthenticated_network: bool().default(false),
          /** A request's headers and body must arrive within this time (headers within 15 s at most). */
          request_timeout_ms: int(100, 600_000).default(30_000),
          auth: z
            .object({
              enabled: bool().default(false),
              api_keys: z.array(ApiKeyConfigSchema).default([]),
            })
            .superRefine((auth, ctx) => {
              if (auth.enabled && auth.api_keys.length === 0) {
                ctx.addIssue({
                  code: "custom",
                  path: ["api_keys"],
                  message:
                    "auth is enabled but no API keys are configured; add [[orchestration.web.auth.api_keys]] entries (or TASKER_API_KEYS), or set enabled = false",
                });
              }
              const seen = new Set<string>();
              auth.api_keys.forEach((k, i) => {
                if (seen.has(k.key)) {
                  ctx.addIssue({
                    code: "custom",
                    path: ["api_keys", i, "key"],
                    message: "the same key is configured twice; give each client its own key",
                  });
                }
                seen.add(k.key);
              });
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
});
/** A validated worker.toml with every default filled in. */
export type TaskerConfig = z.output<typeof TaskerConfigSchema>;

/** Every setting at its default (worker_id from this host and process). */
export function defaultConfig(): TaskerConfig {
  return TaskerConfigSchema.parse({});
}
