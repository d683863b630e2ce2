import { Command } from "commander";
import type { CliContext } from "./context.js";
import {
  type DatabaseOptions,
  resolveDatabaseLocation,
  withDatabaseOptions,
  withJsonOption,
} from "./options.js";
import { startupProgress } from "./progress.js";

/** `tasker-ctl migrate`: applies the engine's pending migrations and says which. */
export function migrateCommand(ctx: CliContext): Command {
  const command: Command = withJsonOption(withDatabaseOptions(new Command("migrate")))
    .description("apply the engine's database migrations (idempotent; safe to run from many processes)")
    .action(async (options: DatabaseOptions & { json?: boolean }) => {
      const out = ctx.output(options);
      const location = resolveDatabaseLocation(options, command.getOptionValueSource("databaseUrl"));
      const [{ listMigrations, migrate }, { openCliDatabase }] = await Promise.all([
        import("../store/migrate.js"),
        import("./database.js"),
      ]);
      const progress = startupProgress(ctx, out, "migrate");
      progress.update(`opening ${location.description}`);
      const database = await openCliDatabase(location).catch((err) => {
        progress.stop();
        throw err;
      });
      try {
        progress.update("applying migrations");
        const { applied } = await migrate(database).finally(() => progress.stop());
        const all = listMigrations().map((m) => m.name);
        out.result({ database: location.description, applied, migrations: all }, () => {
          for (const name of applied) out.line(`applied ${name}`);
          out.line(
            applied.length === 0
              ? `${location.description} is up to date (${all.length} migrations)`
              : `${location.description}: applied ${applied.length} of ${all.length} migrations`,
          );
        });
      } finally {
        await database.close();
      }
    });
  return command;
}
