import { z } from "zod";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../../model/storable-text.js";
import { NAMESPACE_PATTERN } from "../../model/task-request.js";
import { TASK_STATES, type TaskState } from "../../state/task-states.js";

/** "Created within" choices of the task list, in seconds. */
export const TASK_PERIODS = {
  "15m": 15 * 60,
  "1h": 60 * 60,
  "6h": 6 * 60 * 60,
  "24h": 24 * 60 * 60,
  "7d": 7 * 24 * 60 * 60,
  "30d": 30 * 24 * 60 * 60,
} as const;
export type TaskPeriod = keyof typeof TASK_PERIODS;
export const PAGE_SIZES = [25, 50, 100] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Form fields arrive as strings; an empty one means "any".
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

/** The task list's filters as they appear in its URL (`/ui/tasks?status=error&period=24h`). */
export const TaskSearchFields = {
  q: optional(
    z
      .string()
      .trim()
      .max(255, "must be at most 255 characters")
      .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
  ),
  namespace: optional(z.string().regex(NAMESPACE_PATTERN, "must be 1-29 characters of [A-Za-z0-9_]")),
  template: optional(
    z
      .string()
      .regex(
        /^[A-Za-z0-9_]{1,29}\/[a-z][a-z0-9_]*$/,
        'must be "namespace/name" as listed on the templates page, e.g. ecommerce/order_processing',
      ),
  ),
  status: optional(z.enum(TASK_STATES, { error: `must be one of: ${TASK_STATES.join(", ")}` })),
  period: optional(
    z.enum(Object.keys(TASK_PERIODS) as [TaskPeriod, ...TaskPeriod[]], {
      error: `must be one of: ${Object.keys(TASK_PERIODS).join(", ")}`,
    }),
  ),
  limit: optional(
    z.coerce
      .number()
      .int()
      .refine(
        (n) => (PAGE_SIZES as readonly number[]).includes(n),
        `must be one of: ${PAGE_SIZES.join(", ")}`,
      ),
  ),
  offset: optional(z.coerce.number().int("must be a whole number").min(0, "must be 0 or more")),
};

export interface TaskSearch {
  q?: string | undefined;
  namespace?: string | undefined;
  template?: string | undefined;
  status?: TaskState | undefined;
  period?: TaskPeriod | undefined;
  limit: number;
  offset: number;
}

export interface ParsedTaskSearch {
  search: TaskSearch;
  /** One message per rejected field ("status: must be one of ..."); those fields are ignored. */
  problems: string[];
}

/**
 * Reads the filters from a query string, field by field: a bad value is reported and dropped
 * instead of failing the whole page, so the list still shows while the message says what to fix.
 */
export function parseTaskSearch(query: Record<string, string | undefined>): ParsedTaskSearch {
  const search: TaskSearch = { limit: PAGE_SIZES[0], offset: 0 };
  const problems: string[] = [];
  for (const [field, schema] of Object.entries(TaskSearchFields)) {
    const parsed = schema.safeParse(query[field]);
    if (!parsed.success) {
      problems.push(`${field}: ${parsed.error.issues[0]?.message ?? "invalid value"}`);
      continue;
    }
    if (parsed.data !== undefined) Object.assign(search, { [field]: parsed.data });
  }
  return { search, problems };
}

/** The query string for a search (defaults left out, so URLs stay short and shareable). */
export function taskSearchQuery(search: TaskSearch, changes: Partial<TaskSearch> = {}): string {
  const merged = { ...search, ...changes };
  const params = new URLSearchParams();
  for (const key of ["q", "namespace", "template", "status", "period"] as const) {
    const value = merged[key];
    if (value !== undefined) params.set(key, value);
  }
  if (merged.limit !== PAGE_SIZES[0]) params.set("limit", String(merged.limit));
  if (merged.offset > 0) params.set("offset", String(merged.offset));
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface SqlFilter {
  where: string;
  params: unknown[];
}

/**
 * The WHERE clause for a search (pure). The status filter can be left out, so counts per status
 * can be taken over the other filters. The search box matches a task uuid or a correlation id
 * exactly (both indexed).
 */
export function taskSearchWhere(search: TaskSearch, now: Date, opts: { withStatus: boolean }): SqlFilter {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (search.q !== undefined) {
    // The uuid gets its own parameter: one parameter cannot be both uuid and text.
    const uuid = UUID.test(search.q) ? `t.task_uuid = ${param(search.q)}::uuid OR ` : "";
    const q = param(search.q);
    clauses.push(`(${uuid}t.correlation_id = ${q} OR t.parent_correlation_id = ${q})`);
  }
  if (search.namespace !== undefined) clauses.push(`t.namespace = ${param(search.namespace)}`);
  if (search.template !== undefined) {
    const [namespace, name] = search.template.split("/");
    clauses.push(`t.namespace = ${param(namespace)}`, `t.name = ${param(name)}`);
  }
  if (opts.withStatus && search.status !== undefined) clauses.push(`t.status = ${param(search.status)}`);
  if (search.period !== undefined) {
    const since = new Date(now.getTime() - TASK_PERIODS[search.period] * 1000);
    clauses.push(`t.created_at >= ${param(since.toISOString())}::timestamptz`);
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "", params };
}
