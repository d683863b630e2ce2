// drizzle-kit: `npm run db:generate -w examples/hono-app` writes a migration to drizzle/ from
// src/db/schema.ts. The app applies them itself on start (src/db/client.ts).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
  schemaFilter: ["app"],
  casing: "snake_case",
});
