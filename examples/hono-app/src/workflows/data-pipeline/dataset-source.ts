// Where a job's rows come from: a file:// path under the dataset directory, an http(s):// URL
// (CSV or JSON), or, without a URL, the deterministic generated dataset. Errors say whether
// trying again can help: an unreadable source is permanent, a 5xx or a timeout is retryable.
import { readFile, realpath } from "node:fs/promises";
import { extname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { PermanentError, RetryableError } from "@tasker-ts/tasker";
import type { ValidationErrorBody } from "../../lib/validation.js";
import { parseCsv } from "./csv.js";
import { generateDataset } from "./dataset-generator.js";

/** Size cap: rows are stored in one jsonb value; larger datasets belong in object storage. */
export const MAX_ROWS = 50_000;
export const MAX_BYTES = 20 * 1024 * 1024;

export interface LoadedDataset {
  origin: string;
  columns: string[];
  rows: Record<string, unknown>[];
}

/** Why a dataset_url is not acceptable, or undefined when it is (checked at POST and at ingest). */
export function datasetUrlProblem(url: string, datasetDir: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute file:// or http(s):// URL";
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") return undefined;
  if (parsed.protocol !== "file:")
    return `scheme ${parsed.protocol} is not supported; use file://, http:// or https://`;
  const path = resolve(fileURLToPath(parsed));
  if (!isInside(path, datasetDir)) return `file datasets must be inside ${datasetDir} (DATASET_DIR)`;
  return undefined;
}

/** The 400 body for a dataset_url the app will not read (see datasetUrlProblem), or undefined. */
export function datasetUrlRejection(url: string, datasetDir: string): ValidationErrorBody | undefined {
  const problem = datasetUrlProblem(url, datasetDir);
  return problem
    ? { error: "invalid request body", issues: [{ path: "dataset_url", message: `dataset_url ${problem}` }] }
    : undefined;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel);
}

export async function loadDataset(options: {
  jobId: number;
  datasetUrl: string | null | undefined;
  datasetDir: string;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<LoadedDataset> {
  if (!options.datasetUrl) {
    const rows = generateDataset(options.jobId);
    return { origin: `generated from job ${options.jobId}`, columns: columnsOf(rows), rows };
  }
  const problem = datasetUrlProblem(options.datasetUrl, options.datasetDir);
  if (problem) throw new PermanentError(`dataset_url ${problem}`, { code: "invalid_dataset_url" });
  const url = new URL(options.datasetUrl);
  const { text, kind } =
    url.protocol === "file:" ? await readLocal(url, options.datasetDir) : await fetchRemote(url, options);
  const rows = parseRows(text, kind, options.datasetUrl);
  return { origin: options.datasetUrl, columns: columnsOf(rows), rows };
}

async function readLocal(url: URL, datasetDir: string): Promise<{ text: string; kind: "csv" | "json" }> {
  const path = fileURLToPath(url);
  try {
    // Symlinks must not lead out of the dataset directory either.
    const real = await realpath(path);
    if (!isInside(real, await realpath(datasetDir))) throw new Error(`resolves outside ${datasetDir}`);
    const text = await readFile(real, "utf8");
    if (Buffer.byteLength(text) > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
    return { text, kind: extname(path).toLowerCase() === ".json" ? "json" : "csv" };
  } catch (error) {
    throw new PermanentError(`cannot read dataset file ${path}: ${(error as Error).message}`, {
      code: "dataset_unreadable",
    });
  }
}

async function fetchRemote(
  url: URL,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<{ text: string; kind: "csv" | "json" }> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (error) {
    throw new RetryableError(`fetching ${url.href} failed: ${(error as Error).message}`, {
      code: "dataset_fetch_failed",
    });
  }
  if (res.status >= 500 || res.status === 429) {
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new RetryableError(`fetching ${url.href} answered ${res.status}`, {
      code: "dataset_source_unavailable",
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  if (!res.ok) {
    throw new PermanentError(`fetching ${url.href} answered ${res.status}; check the dataset_url`, {
      code: "dataset_unreadable",
    });
  }
  const length = Number(res.headers.get("content-length"));
  if (length > MAX_BYTES) {
    throw new PermanentError(`dataset at ${url.href} is ${length} bytes; the limit is ${MAX_BYTES}`, {
      code: "dataset_too_large",
    });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    // The body stalled past the timeout, or the connection dropped mid-body: worth another try.
    throw new RetryableError(`reading ${url.href} failed: ${(error as Error).message}`, {
      code: "dataset_fetch_failed",
    });
  }
  const type = res.headers.get("content-type") ?? "";
  const kind = type.includes("json") || extname(url.pathname).toLowerCase() === ".json" ? "json" : "csv";
  return { text, kind };
}

/** Parses CSV, or JSON as an array of objects or `{rows: [...]}`; permanent error when it is neither. */
export function parseRows(text: string, kind: "csv" | "json", origin: string): Record<string, unknown>[] {
  let rows: unknown;
  try {
    if (kind === "csv") rows = parseCsv(text);
    else {
      const parsed = JSON.parse(text) as unknown;
      rows = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown })?.rows;
    }
  } catch (error) {
    throw new PermanentError(
      `dataset ${origin} is not valid ${kind.toUpperCase()}: ${(error as Error).message}`,
      {
        code: "dataset_unreadable",
      },
    );
  }
  if (!Array.isArray(rows) || !rows.every((r) => typeof r === "object" && r !== null && !Array.isArray(r))) {
    throw new PermanentError(`dataset ${origin} must be a list of row objects (or {"rows": [...]})`, {
      code: "dataset_unreadable",
    });
  }
  if (rows.length === 0) throw new PermanentError(`dataset ${origin} has no rows`, { code: "dataset_empty" });
  if (rows.length > MAX_ROWS) {
    throw new PermanentError(`dataset ${origin} has ${rows.length} rows; the limit is ${MAX_ROWS}`, {
      code: "dataset_too_large",
    });
  }
  return rows as Record<string, unknown>[];
}

/** Every column name that appears in any row, in first-seen order. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
