-- The app's domain tables (schema app), as in examples/hono-app's Drizzle schema, so every app
-- serves the same data. sqlx::migrate! embeds this file; the app runs it at start.
CREATE SCHEMA "app";
CREATE TABLE "app"."analytics_datasets" (
	"job_id" integer PRIMARY KEY NOT NULL,
	"origin" text NOT NULL,
	"columns" jsonb NOT NULL,
	"rows" jsonb NOT NULL,
	"row_count" integer NOT NULL,
	"checksum" text NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE "app"."analytics_jobs" (
	"id" serial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"dataset_url" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"task_uuid" uuid,
	"result" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE "app"."analytics_reports" (
	"id" serial PRIMARY KEY NOT NULL,
	"job_id" integer NOT NULL,
	"title" text NOT NULL,
	"report" jsonb NOT NULL,
	"markdown" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_reports_job_id_unique" UNIQUE("job_id")
);
CREATE TABLE "app"."audit_logs" (
	"id" serial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"task_uuid" uuid,
	"step_name" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_logs_dedupe_key_unique" UNIQUE("dedupe_key")
);
CREATE TABLE "app"."compliance_checks" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_ref" text NOT NULL,
	"namespace" text DEFAULT 'default' NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"task_uuid" uuid,
	"task_uuids" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"correlation_id" text,
	"items" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"destination" jsonb,
	"coupon_code" text,
	"customer_id" text,
	"result" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE "app"."coupons" (
	"code" text PRIMARY KEY NOT NULL,
	"percent_off" numeric(5, 2) NOT NULL,
	"active" boolean DEFAULT true NOT NULL
);
CREATE TABLE "app"."customers" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"tier" text DEFAULT 'standard' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_email_unique" UNIQUE("email")
);
CREATE TABLE "app"."email_outbox" (
	"id" serial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"recipients" jsonb NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "email_outbox_message_id_unique" UNIQUE("message_id"),
	CONSTRAINT "email_outbox_dedupe_key_unique" UNIQUE("dedupe_key")
);
CREATE TABLE "app"."embargoed_countries" (
	"country_code" text PRIMARY KEY NOT NULL,
	"reason" text NOT NULL
);
CREATE TABLE "app"."invoices" (
	"id" serial PRIMARY KEY NOT NULL,
	"invoice_number" text NOT NULL,
	"order_id" integer NOT NULL,
	"customer_email" text NOT NULL,
	"lines" jsonb NOT NULL,
	"subtotal" numeric(10, 2) NOT NULL,
	"tax" numeric(10, 2) NOT NULL,
	"shipping" numeric(10, 2) NOT NULL,
	"total" numeric(10, 2) NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_invoice_number_unique" UNIQUE("invoice_number"),
	CONSTRAINT "invoices_order_id_unique" UNIQUE("order_id")
);
CREATE TABLE "app"."orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_email" text NOT NULL,
	"items" jsonb NOT NULL,
	"subtotal" numeric(10, 2),
	"tax" numeric(10, 2),
	"shipping" numeric(10, 2),
	"total" numeric(10, 2),
	"status" text DEFAULT 'pending' NOT NULL,
	"task_uuid" uuid,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE "app"."payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"order_id" integer NOT NULL,
	"amount" numeric(10, 2) NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"status" text NOT NULL,
	"method" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_payment_id_unique" UNIQUE("payment_id"),
	CONSTRAINT "payments_order_id_unique" UNIQUE("order_id")
);
CREATE TABLE "app"."products" (
	"sku" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"price" numeric(10, 2) NOT NULL,
	"stock" integer NOT NULL,
	"weight_kg" numeric(10, 3) NOT NULL,
	"restricted" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_stock_non_negative" CHECK ("app"."products"."stock" >= 0)
);
CREATE TABLE "app"."quotes" (
	"id" serial PRIMARY KEY NOT NULL,
	"quote_number" text NOT NULL,
	"compliance_check_id" integer,
	"order_ref" text NOT NULL,
	"task_uuid" uuid NOT NULL,
	"lines" jsonb NOT NULL,
	"subtotal" numeric(10, 2) NOT NULL,
	"discount" numeric(10, 2) NOT NULL,
	"shipping" numeric(10, 2) NOT NULL,
	"total" numeric(10, 2) NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"details" jsonb,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "quotes_quote_number_unique" UNIQUE("quote_number"),
	CONSTRAINT "quotes_task_uuid_unique" UNIQUE("task_uuid")
);
CREATE TABLE "app"."report_archive" (
	"id" serial PRIMARY KEY NOT NULL,
	"job_id" integer NOT NULL,
	"report" jsonb NOT NULL,
	"markdown" text NOT NULL,
	"checksum" text NOT NULL,
	"archived_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_archive_job_id_unique" UNIQUE("job_id")
);
CREATE TABLE "app"."service_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"request_type" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"result" jsonb,
	"task_uuid" uuid,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE TABLE "app"."stock_movements" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"sku" text NOT NULL,
	"quantity_delta" integer NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_movements_order_sku_reason" UNIQUE("order_id","sku","reason")
);
ALTER TABLE "app"."analytics_datasets" ADD CONSTRAINT "analytics_datasets_job_id_analytics_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "app"."analytics_jobs"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."analytics_reports" ADD CONSTRAINT "analytics_reports_job_id_analytics_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "app"."analytics_jobs"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."invoices" ADD CONSTRAINT "invoices_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "app"."orders"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "app"."orders"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."quotes" ADD CONSTRAINT "quotes_compliance_check_id_compliance_checks_id_fk" FOREIGN KEY ("compliance_check_id") REFERENCES "app"."compliance_checks"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."report_archive" ADD CONSTRAINT "report_archive_job_id_analytics_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "app"."analytics_jobs"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."stock_movements" ADD CONSTRAINT "stock_movements_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "app"."orders"("id") ON DELETE no action ON UPDATE no action;ALTER TABLE "app"."stock_movements" ADD CONSTRAINT "stock_movements_sku_products_sku_fk" FOREIGN KEY ("sku") REFERENCES "app"."products"("sku") ON DELETE no action ON UPDATE no action;CREATE INDEX "analytics_jobs_task_uuid_idx" ON "app"."analytics_jobs" USING btree ("task_uuid");CREATE INDEX "audit_logs_entity_idx" ON "app"."audit_logs" USING btree ("entity_type","entity_id");CREATE INDEX "compliance_checks_task_uuid_idx" ON "app"."compliance_checks" USING btree ("task_uuid");CREATE INDEX "compliance_checks_correlation_id_idx" ON "app"."compliance_checks" USING btree ("correlation_id");CREATE INDEX "email_outbox_status_idx" ON "app"."email_outbox" USING btree ("status");CREATE INDEX "orders_task_uuid_idx" ON "app"."orders" USING btree ("task_uuid");CREATE INDEX "orders_customer_email_idx" ON "app"."orders" USING btree ("customer_email");CREATE INDEX "service_requests_task_uuid_idx" ON "app"."service_requests" USING btree ("task_uuid");


-- Timestamps as JavaScript's toISOString() writes them (2024-03-01T10:00:00.000Z), so every app
-- answers with the same format.
CREATE FUNCTION app.iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A row as the API shows it: every column in table order, timestamps (columns named *_at) in
-- ISO 8601 as above, numerics as numbers. Call it as app.row_json(row_to_json(t)).
CREATE FUNCTION app.row_json(r json) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_object_agg(
    e.key,
    CASE WHEN e.key LIKE '%\_at' AND json_typeof(e.value) = 'string'
      THEN to_json(app.iso((e.value #>> '{}')::timestamptz)) ELSE e.value END
    ORDER BY e.ord)
  FROM json_each(r) WITH ORDINALITY AS e(key, value, ord)
$$;
