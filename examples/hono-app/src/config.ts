// The app's settings, read once from the environment (.env is loaded by `node --env-file` / tsx
// before this runs). Everything has a working embedded default so `npm start` needs no setup.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The app folder (examples/hono-app), so default paths work from any working directory. */
export const APP_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .pipe(z.string().url().optional())
  .optional();

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const EnvSchema = z.object({
  PORT: port(3000),
  ORCHESTRATION_PORT: port(8080),
  /** Where the orchestration API lives. Unset = this process serves it (embedded mode). */
  ORCHESTRATION_URL: optionalUrl,
  /** Engine database. Unset = embedded PGlite under TASKER_DATA_DIR. */
  DATABASE_URL: optionalUrl,
  /** App (domain) database. Unset = embedded PGlite under TASKER_DATA_DIR. */
  APP_DATABASE_URL: optionalUrl,
  TASKER_DATA_DIR: z.string().min(1).default(".data"),
  TASKER_TEMPLATE_PATH: z.string().min(1).optional(),
  TASKER_CONFIG_PATH: z.string().min(1).optional(),
  /** Comma-separated namespaces this process serves (overrides worker.toml). */
  TASKER_WORKER_NAMESPACES: z.string().optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(10),
  /** Where people reach this app (links from the engine's dashboard). Default http://localhost:PORT. */
  APP_PUBLIC_URL: optionalUrl,
  /** Base URL of the internal HTTP services (user profiles, order history). Default: this app. */
  SERVICES_BASE_URL: optionalUrl,
  JOBS_BACKEND: z.enum(["memory", "bullmq"]).default("memory"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /** file:// datasets must live under this directory (default examples/hono-app/datasets). */
  DATASET_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.string().optional(),
});

export interface AppConfig {
  port: number;
  orchestrationPort: number;
  orchestrationUrl: string | undefined;
  databaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  dataDir: string;
  templatePath: string;
  configPath: string;
  workerNamespaces: string[] | undefined;
  workerConcurrency: number;
  servicesBaseUrl: string;
  /** Where people reach this app, without a trailing slash (links to rows from the dashboard). */
  publicUrl: string;
  jobsBackend: "memory" | "bullmq";
  redisUrl: string;
  datasetDir: string;
  logLevel: string | undefined;
}

/**
 * Parses the environment into an AppConfig; throws one error listing every bad variable and
 * what it should look like.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid environment (see examples/hono-app/.env.example):\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    orchestrationPort: e.ORCHESTRATION_PORT,
    orchestrationUrl: e.ORCHESTRATION_URL,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL,
    dataDir: e.TASKER_DATA_DIR,
    templatePath: resolve(e.TASKER_TEMPLATE_PATH ?? resolve(APP_ROOT, "templates")),
    configPath: resolve(e.TASKER_CONFIG_PATH ?? resolve(APP_ROOT, "worker.toml")),
    workerNamespaces: parseNamespaces(e.TASKER_WORKER_NAMESPACES),
    workerConcurrency: e.WORKER_CONCURRENCY,
    servicesBaseUrl: e.SERVICES_BASE_URL ?? `http://127.0.0.1:${e.PORT}`,
    publicUrl: (e.APP_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    jobsBackend: e.JOBS_BACKEND,
    redisUrl: e.REDIS_URL,
    datasetDir: resolve(e.DATASET_DIR ?? resolve(APP_ROOT, "datasets")),
    logLevel: e.LOG_LEVEL,
  };
}

/** "sales, compliance" -> ["sales", "compliance"]; empty -> undefined (serve every namespace). */
export function parseNamespaces(raw: string | undefined): string[] | undefined {
  const list = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length > 0 ? list : undefined;
}
