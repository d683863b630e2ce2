ALTER TABLE "app"."compliance_checks" ALTER COLUMN "correlation_id" SET DEFAULT gen_random_uuid()::text;--> statement-breakpoint
UPDATE "app"."compliance_checks" SET "correlation_id" = gen_random_uuid()::text WHERE "correlation_id" IS NULL;--> statement-breakpoint
ALTER TABLE "app"."compliance_checks" ALTER COLUMN "correlation_id" SET NOT NULL;