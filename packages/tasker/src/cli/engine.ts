import { delimiter } from "node:path";
import { createLogger, type Logger } from "../observability/logger.js";
import type { Database } from "../store/database.js";
import { Tasker, type TaskerOptions } from "../tasker.js";
import { openCliDatabase } from "./database.js";
import { loadTemplatesForEngine } from "./engine-templates.js";
import type { DatabaseLocation } from "./options.js";
import type { Output } from "./output.js";
import type { Progress } from "./progress.js";

export interface Engine {
  tasker: Tasker;
  database: Database;
  logger: Logger;
  templateCount: number;
  /** Stops workers and orchestrators, then closes the database. */
  close(): Promise<void>;
}

/** `--templates` values, else TASKER_TEMPLATE_PATH (several joined by `:`). */
export function engineTemplatePaths(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  if (flags && flags.length > 0) return [...flags];
  return (env.TASKER_TEMPLATE_PATH ?? "").split(delimiter).filter(Boolean);
}

/** Opens the database, validates and registers the templates, and returns the engine. */
export async function openEngine(
  location: DatabaseLocation,
  templatePaths: readonly string[],
  out: Output,
  options: Pick<TaskerOptions, "maxPendingTasks" | "poolMax"> = {},
  progress?: Progress,
  lenient = false,
): Promise<Engine> {
  progress?.update(`loading templates from ${templatePaths.join(", ") || "(none)"}`);
  const templates = await loadTemplatesForEngine(templatePaths, out, lenient);
  const logger = createLogger({ name: "tasker-ctl" });
  progress?.update(`opening ${location.description}`);
  const database = await openCliDatabase(location, logger, options.poolMax);
  let tasker: Tasker;
  try {
    progress?.update(`migrating and registering ${templates.length} templates`);
    tasker = await Tasker.open({ database, templates, logger, ...options });
  } catch (err) {
    await database.close();
    throw err;
  }
  return {
    tasker,
    database,
    logger,
    templateCount: templates.length,
    async close() {
      await tasker.close();
      await database.close();
    },
  };
}
