ALTER TABLE "app"."analytics_jobs" ADD COLUMN "correlation_id" text DEFAULT gen_random_uuid()::text NOT NULL;--> statement-breakpoint
ALTER TABLE "app"."orders" ADD COLUMN "correlation_id" text DEFAULT gen_random_uuid()::text NOT NULL;--> statement-breakpoint
ALTER TABLE "app"."service_requests" ADD COLUMN "correlation_id" text DEFAULT gen_random_uuid()::text NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "analytics_jobs_correlation_id_idx" ON "app"."analytics_jobs" USING btree ("correlation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_correlation_id_idx" ON "app"."orders" USING btree ("correlation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "service_requests_correlation_id_idx" ON "app"."service_requests" USING btree ("correlation_id");