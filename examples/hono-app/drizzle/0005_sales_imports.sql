CREATE TABLE "app"."imported_sales" (
	"id" serial PRIMARY KEY NOT NULL,
	"import_id" integer NOT NULL,
	"row_number" integer NOT NULL,
	"date" text NOT NULL,
	"region" text NOT NULL,
	"product" text NOT NULL,
	"quantity" integer NOT NULL,
	"amount" numeric(10, 2) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "imported_sales_import_row" UNIQUE("import_id","row_number")
);
--> statement-breakpoint
CREATE TABLE "app"."sales_imports" (
	"id" serial PRIMARY KEY NOT NULL,
	"dataset_url" text NOT NULL,
	"batch_size" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"total_rows" integer,
	"imported_rows" integer,
	"rejected_rows" integer,
	"batch_count" integer,
	"result" jsonb,
	"task_uuid" uuid,
	"correlation_id" text DEFAULT gen_random_uuid()::text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "app"."imported_sales" ADD CONSTRAINT "imported_sales_import_id_sales_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "app"."sales_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sales_imports_task_uuid_idx" ON "app"."sales_imports" USING btree ("task_uuid");--> statement-breakpoint
CREATE UNIQUE INDEX "sales_imports_correlation_id_idx" ON "app"."sales_imports" USING btree ("correlation_id");