// The app's domain tables (Drizzle). They live in their own Postgres schema `app`, so the app can
// share a database with the engine (DATABASE_URL only) or use its own (APP_DATABASE_URL).
// Property names are snake_case on purpose: rows go out through the API as-is, in the same
// casing as the engine's wire format.
//
// Change a table -> `npm run db:generate -w examples/hono-app` -> commit the new drizzle/ file.
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  serial,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const appSchema = pgSchema("app");

/** Money as a JS number with two decimals, stored exactly as decimal(10,2). */
const money = () => numeric({ precision: 10, scale: 2, mode: "number" });
const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/** Status of a row whose work is done by a task; it follows the task's lifecycle events. */
export const TASK_ROW_STATUSES = [
  "queued",
  "pending",
  "processing",
  "completed",
  "failed",
  "cancelled",
] as const;
export type TaskRowStatus = (typeof TASK_ROW_STATUSES)[number];
const taskRowStatus = () => text({ enum: TASK_ROW_STATUSES }).notNull().default("pending");
/**
 * The row's reference in the engine: its task is created with this correlation id, and every
 * lifecycle event of the task carries it, so an event finds its row even when the task ended
 * before the row had stored the task's uuid.
 */
const correlationId = () => text().notNull().default(sql`gen_random_uuid()::text`);

// ---------------------------------------------------------------------------------------------
// Rows that own a task (one per create endpoint)

export interface OrderItem {
  sku: string;
  quantity: number;
}

export const orders = appSchema.table(
  "orders",
  {
    id: serial().primaryKey(),
    customer_email: text().notNull(),
    items: jsonb().$type<OrderItem[]>().notNull(),
    /** Computed from catalog prices at creation (null when a sku is unknown: the task fails it). */
    subtotal: money(),
    tax: money(),
    shipping: money(),
    total: money(),
    status: taskRowStatus(),
    task_uuid: uuid(),
    correlation_id: correlationId(),
    error: text(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("orders_task_uuid_idx").on(t.task_uuid),
    uniqueIndex("orders_correlation_id_idx").on(t.correlation_id),
    index("orders_customer_email_idx").on(t.customer_email),
  ],
);

export const analytics_jobs = appSchema.table(
  "analytics_jobs",
  {
    id: serial().primaryKey(),
    source: text().notNull(),
    dataset_url: text(),
    status: taskRowStatus(),
    task_uuid: uuid(),
    correlation_id: correlationId(),
    /** The report (JSON + Markdown), written by generate_report. */
    result: jsonb().$type<Record<string, unknown>>(),
    error: text(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("analytics_jobs_task_uuid_idx").on(t.task_uuid),
    uniqueIndex("analytics_jobs_correlation_id_idx").on(t.correlation_id),
  ],
);

export const service_requests = appSchema.table(
  "service_requests",
  {
    id: serial().primaryKey(),
    user_id: text().notNull(),
    request_type: text().notNull(),
    status: taskRowStatus(),
    result: jsonb().$type<Record<string, unknown>>(),
    task_uuid: uuid(),
    correlation_id: correlationId(),
    error: text(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("service_requests_task_uuid_idx").on(t.task_uuid),
    uniqueIndex("service_requests_correlation_id_idx").on(t.correlation_id),
  ],
);

/** What a refund request's approval decided (set by the approvals workflow's record_outcome). */
export const REFUND_DECISIONS = ["approved", "rejected"] as const;

/** A refund request (approvals workflow): auto-approved up to a limit, else a manager decides. */
export const refunds = appSchema.table(
  "refunds",
  {
    id: serial().primaryKey(),
    order_ref: text().notNull(),
    amount: money().notNull(),
    reason: text(),
    status: taskRowStatus(),
    decision: text({ enum: REFUND_DECISIONS }),
    /** `auto` or `manager`: the branch the route_refund decision took. */
    decided_by: text(),
    decided_at: timestamp({ withTimezone: true }),
    result: jsonb().$type<Record<string, unknown>>(),
    task_uuid: uuid(),
    correlation_id: correlationId(),
    error: text(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("refunds_task_uuid_idx").on(t.task_uuid),
    uniqueIndex("refunds_correlation_id_idx").on(t.correlation_id),
    check("refunds_amount_positive", sql`${t.amount} > 0`),
  ],
);

/** A bulk import of a sales CSV (imports workflow): planned in batches, imported by batch workers. */
export const sales_imports = appSchema.table(
  "sales_imports",
  {
    id: serial().primaryKey(),
    dataset_url: text().notNull(),
    batch_size: integer().notNull(),
    status: taskRowStatus(),
    total_rows: integer(),
    imported_rows: integer(),
    rejected_rows: integer(),
    batch_count: integer(),
    result: jsonb().$type<Record<string, unknown>>(),
    task_uuid: uuid(),
    correlation_id: correlationId(),
    error: text(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("sales_imports_task_uuid_idx").on(t.task_uuid),
    uniqueIndex("sales_imports_correlation_id_idx").on(t.correlation_id),
  ],
);

/** The rows a sales import wrote: one per valid CSV row, once however often its batch runs. */
export const imported_sales = appSchema.table(
  "imported_sales",
  {
    id: serial().primaryKey(),
    import_id: integer()
      .notNull()
      .references(() => sales_imports.id),
    /** The row's position in the CSV (0 = the first row after the header): the batches' cursor. */
    row_number: integer().notNull(),
    date: text().notNull(),
    region: text().notNull(),
    product: text().notNull(),
    quantity: integer().notNull(),
    amount: money().notNull(),
    created_at: createdAt(),
  },
  (t) => [unique("imported_sales_import_row").on(t.import_id, t.row_number)],
);

export const compliance_checks = appSchema.table(
  "compliance_checks",
  {
    id: serial().primaryKey(),
    order_ref: text().notNull(),
    namespace: text().notNull().default("default"),
    status: taskRowStatus(),
    /** The compliance task's uuid; `task_uuids` holds both (namespace -> uuid). */
    task_uuid: uuid(),
    task_uuids: jsonb().$type<Record<string, string>>().notNull().default({}),
    correlation_id: correlationId(),
    items: jsonb().$type<OrderItem[]>().notNull().default([]),
    destination: jsonb().$type<{ country: string; region?: string }>(),
    coupon_code: text(),
    customer_id: text(),
    result: jsonb().$type<Record<string, unknown>>(),
    error: text(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("compliance_checks_task_uuid_idx").on(t.task_uuid),
    index("compliance_checks_correlation_id_idx").on(t.correlation_id),
  ],
);

// ---------------------------------------------------------------------------------------------
// Catalog and reference data (seeded by drizzle/0001_seed.sql)

export const products = appSchema.table(
  "products",
  {
    sku: text().primaryKey(),
    name: text().notNull(),
    price: money().notNull(),
    stock: integer().notNull(),
    weight_kg: numeric({ precision: 10, scale: 3, mode: "number" }).notNull(),
    restricted: boolean().notNull().default(false),
    updated_at: updatedAt(),
  },
  // Stock can never go negative, whatever races happen above.
  (t) => [check("products_stock_non_negative", sql`${t.stock} >= 0`)],
);

export const customers = appSchema.table("customers", {
  id: text().primaryKey(),
  email: text().notNull().unique(),
  name: text().notNull(),
  tier: text({ enum: ["gold", "standard"] })
    .notNull()
    .default("standard"),
  created_at: createdAt(),
});

export const coupons = appSchema.table("coupons", {
  code: text().primaryKey(),
  percent_off: numeric({ precision: 5, scale: 2, mode: "number" }).notNull(),
  active: boolean().notNull().default(true),
});

export const embargoed_countries = appSchema.table("embargoed_countries", {
  country_code: text().primaryKey(),
  reason: text().notNull(),
});

// ---------------------------------------------------------------------------------------------
// Effects of the e-commerce workflow (each unique per order, so retries cannot repeat them)

export const payments = appSchema.table("payments", {
  id: serial().primaryKey(),
  payment_id: text().notNull().unique(),
  order_id: integer()
    .notNull()
    .unique()
    .references(() => orders.id),
  amount: money().notNull(),
  currency: text().notNull().default("USD"),
  status: text({ enum: ["captured", "refunded"] }).notNull(),
  method: text().notNull(),
  created_at: createdAt(),
  updated_at: updatedAt(),
});

export const stock_movements = appSchema.table(
  "stock_movements",
  {
    id: serial().primaryKey(),
    order_id: integer()
      .notNull()
      .references(() => orders.id),
    sku: text()
      .notNull()
      .references(() => products.sku),
    /** Negative for a sale. */
    quantity_delta: integer().notNull(),
    reason: text().notNull(),
    created_at: createdAt(),
  },
  (t) => [unique("stock_movements_order_sku_reason").on(t.order_id, t.sku, t.reason)],
);

export interface InvoiceLine {
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

export const invoices = appSchema.table("invoices", {
  id: serial().primaryKey(),
  invoice_number: text().notNull().unique(),
  order_id: integer()
    .notNull()
    .unique()
    .references(() => orders.id),
  customer_email: text().notNull(),
  lines: jsonb().$type<InvoiceLine[]>().notNull(),
  subtotal: money().notNull(),
  tax: money().notNull(),
  shipping: money().notNull(),
  total: money().notNull(),
  issued_at: createdAt(),
});

// ---------------------------------------------------------------------------------------------
// Messages sent through the background queue

export const email_outbox = appSchema.table(
  "email_outbox",
  {
    id: serial().primaryKey(),
    message_id: text().notNull().unique(),
    /** What the message is about, e.g. `order:42:confirmation`; a message is written once per key. */
    dedupe_key: text().notNull().unique(),
    recipients: jsonb().$type<string[]>().notNull(),
    subject: text().notNull(),
    body: text().notNull(),
    status: text({ enum: ["queued", "sent", "failed"] })
      .notNull()
      .default("queued"),
    attempts: integer().notNull().default(0),
    last_error: text(),
    created_at: createdAt(),
    sent_at: timestamp({ withTimezone: true }),
  },
  (t) => [index("email_outbox_status_idx").on(t.status)],
);

// ---------------------------------------------------------------------------------------------
// Data pipeline

export type DatasetRow = Record<string, unknown>;

/** The rows ingest_data loaded for a job (one row per job; re-ingesting replaces it). */
export const analytics_datasets = appSchema.table("analytics_datasets", {
  job_id: integer()
    .primaryKey()
    .references(() => analytics_jobs.id),
  origin: text().notNull(),
  columns: jsonb().$type<string[]>().notNull(),
  rows: jsonb().$type<DatasetRow[]>().notNull(),
  row_count: integer().notNull(),
  checksum: text().notNull(),
  loaded_at: createdAt(),
});

export const analytics_reports = appSchema.table("analytics_reports", {
  id: serial().primaryKey(),
  job_id: integer()
    .notNull()
    .unique()
    .references(() => analytics_jobs.id),
  title: text().notNull(),
  report: jsonb().$type<Record<string, unknown>>().notNull(),
  markdown: text().notNull(),
  created_at: createdAt(),
  updated_at: updatedAt(),
});

/** Long-term copies of finished reports (what archive_results writes). */
export const report_archive = appSchema.table("report_archive", {
  id: serial().primaryKey(),
  job_id: integer()
    .notNull()
    .unique()
    .references(() => analytics_jobs.id),
  report: jsonb().$type<Record<string, unknown>>().notNull(),
  markdown: text().notNull(),
  checksum: text().notNull(),
  archived_at: createdAt(),
});

// ---------------------------------------------------------------------------------------------
// Team scaling (sales + compliance)

export const quotes = appSchema.table("quotes", {
  id: serial().primaryKey(),
  quote_number: text().notNull().unique(),
  compliance_check_id: integer().references(() => compliance_checks.id),
  order_ref: text().notNull(),
  /** The sales task that produced it: one quote per task, so retries cannot add a second. */
  task_uuid: uuid().notNull().unique(),
  lines: jsonb().$type<Record<string, unknown>[]>().notNull(),
  subtotal: money().notNull(),
  discount: money().notNull(),
  shipping: money().notNull(),
  total: money().notNull(),
  currency: text().notNull().default("USD"),
  details: jsonb().$type<Record<string, unknown>>(),
  expires_at: timestamp({ withTimezone: true }).notNull(),
  created_at: createdAt(),
});

export const audit_logs = appSchema.table(
  "audit_logs",
  {
    id: serial().primaryKey(),
    /** e.g. `compliance_check:7:audit`; an audit entry is written once per key. */
    dedupe_key: text().notNull().unique(),
    entity_type: text().notNull(),
    entity_id: text().notNull(),
    action: text().notNull(),
    actor: text().notNull(),
    task_uuid: uuid(),
    step_name: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    created_at: createdAt(),
  },
  (t) => [index("audit_logs_entity_idx").on(t.entity_type, t.entity_id)],
);
