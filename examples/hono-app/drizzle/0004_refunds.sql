CREATE TABLE "app"."refunds" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_ref" text NOT NULL,
	"amount" numeric(10, 2) NOT NULL,
	"reason" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"decision" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"result" jsonb,
	"task_uuid" uuid,
	"correlation_id" text DEFAULT gen_random_uuid()::text NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_amount_positive" CHECK ("app"."refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX "refunds_task_uuid_idx" ON "app"."refunds" USING btree ("task_uuid");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_correlation_id_idx" ON "app"."refunds" USING btree ("correlation_id");