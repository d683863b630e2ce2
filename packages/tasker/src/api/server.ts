import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { defaultLogger, type Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { buildApiApp } from "./app.js";
import type { AuthConfig } from "./auth.js";
import { AuthConfigError, resolveAuthConfig } from "./auth-config.js";
import { answerClientErrorsWithJson } from "./client-error.js";
import type { ApiTasker } from "./tasker-port.js";

/** Options of {@link startOrchestrationServer}. */
export interface OrchestrationServerOptions {
  tasker: ApiTasker;
  /** Default 8080; 0 picks a free port (see `port` on the result). */
  port?: number;
  /** Default 127.0.0.1 in embedded mode, else 0.0.0.0. */
  hostname?: string;
  /** Explicit auth. Omitted: read from `[orchestration.web.auth]` in the TOML config and the env. */
  auth?: AuthConfig;
  /** TOML file with `[orchestration.web.auth]` (default `TASKER_CONFIG_PATH`). */
  configPath?: string;
  /**
   * Embedded dev mode (PGlite, one process): auth is off unless configured. Otherwise keys are
   * required. Default: embedded unless the engine runs on a PostgreSQL server.
   */
  embedded?: boolean;
  metrics?: Metrics;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** A request (headers and body) must arrive within this time; default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Listen beyond loopback (0.0.0.0, a LAN address) with auth off. Refused unless set: anyone who
   * can reach the port could create, cancel and resolve tasks. For a trusted network only.
   * Default: TASKER_ALLOW_UNAUTHENTICATED_NETWORK=true (worker.toml:
   * `orchestration.web.allow_unauthenticated_network`, `tasker-ctl serve --allow-unauthenticated-network`).
   */
  allowUnauthenticatedNetwork?: boolean;
}

/** A running orchestration server, as {@link startOrchestrationServer} returns it. */
export interface OrchestrationServer {
  /** Where to reach it from this machine, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** Where it really listens: `127.0.0.1:8080`, or `0.0.0.0:8080 (all interfaces)`. */
  listening: string;
  metrics: Metrics;
  /** Stops accepting requests, lets in-flight ones finish (up to 5 s), then closes. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 15_000;

/** True when the engine was opened on embedded PGlite rather than a PostgreSQL server. */
export function isEmbeddedTasker(tasker: ApiTasker): boolean {
  return tasker.database.kind !== "postgres";
}

/** Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/** An error when the API would listen beyond loopback with auth off and that was not allowed. */
export function unauthenticatedNetworkProblem(host: string, port: number): string {
  const where = host === "0.0.0.0" || host === "::" ? `${host} (every interface)` : host;
  return (
    `refusing to serve the orchestration API on ${where} port ${port} without API keys: anyone who can reach it could create, cancel and resolve tasks. ` +
    `Listen on 127.0.0.1 (--host 127.0.0.1, or bind_address = "127.0.0.1:${port}" under [orchestration.web]), ` +
    "turn auth on with keys (TASKER_API_KEY, TASKER_API_KEYS or [[orchestration.web.auth.api_keys]]), " +
    "or, on a trusted network, allow it: --allow-unauthenticated-network, allow_unauthenticated_network = true under [orchestration.web], or TASKER_ALLOW_UNAUTHENTICATED_NETWORK=true"
  );
}

/** Serves the orchestration API over HTTP with @hono/node-server. */
export async function startOrchestrationServer(
  options: OrchestrationServerOptions,
): Promise<OrchestrationServer> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? defaultLogger();
  const embedded = options.embedded ?? isEmbeddedTasker(options.tasker);
  const auth = resolveAuthConfig({
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.configPath ? { configPath: options.configPath } : {}),
    env,
    embedded,
  });
  const hostname = options.hostname ?? (embedded ? "127.0.0.1" : "0.0.0.0");
  const allowOpen =
    options.allowUnauthenticatedNetwork ??
    /^(true|1)$/i.test(env.TASKER_ALLOW_UNAUTHENTICATED_NETWORK?.trim() ?? "");
  if (!auth.enabled && !isLoopback(hostname) && !allowOpen) {
    throw new AuthConfigError(unauthenticatedNetworkProblem(hostname, options.port ?? 8080));
  }
  const built = buildApiApp({
    tasker: options.tasker,
    auth,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    logger,
  });
  // Bodies are at most ~1 MiB (every route bounds them), so a client still sending after this
  // long is stalling a handler or holding a connection open (slow loris): it gets a 408 and is
  // cut off. Node looks for such requests every connectionsCheckingInterval (30 s by default,
  // which would let one run on for twice the limit), so it looks often enough to keep the limit.
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createAdaptorServer({
    fetch: built.app.fetch,
    serverOptions: {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, HEADERS_TIMEOUT_MS),
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeout / 4))),
    },
  }) as Server;
  answerClientErrorsWithJson(server, requestTimeout);

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      built.dispose();
      reject(
        err.code === "EADDRINUSE"
          ? new Error(
              `port ${options.port ?? 8080} on ${hostname} is already in use; pick another with port (0 = any free port)`,
            )
          : err,
      );
    });
    server.listen(options.port ?? 8080, hostname, () => resolve((server.address() as AddressInfo).port));
  });
  const everywhere = hostname === "0.0.0.0" || hostname === "::";
  const shownHost = everywhere ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${shownHost}:${port}`;
  const bound = server.address() as AddressInfo;
  const boundHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const listening = `${boundHost}:${bound.port}${everywhere ? " (all interfaces)" : ""}`;
  logger.info(
    { url, listening, auth: auth.enabled ? "api-keys" : "disabled" },
    "orchestration API listening",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    listening,
    metrics: built.metrics,
    close() {
      closing ??= new Promise<void>((resolve) => {
        built.dispose();
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
