// Which namespaces this process's worker serves, and how many steps it runs at once:
// --namespaces flag > TASKER_WORKER_NAMESPACES (applied by the worker.toml loader) >
// worker.toml [worker] namespaces > every namespace of the app's workflows.

export interface WorkerSettings {
  namespaces: string[];
  concurrency: number;
  /** Where the namespaces came from (printed at startup). */
  source: "flag" | "config" | "workflows";
}

export function resolveWorkerSettings(options: {
  flagNamespaces?: string[] | undefined;
  /** `[worker] namespaces` after env overrides. */
  configNamespaces: readonly string[];
  configConcurrency: number;
  /** Every namespace the app has handlers for. */
  available: readonly string[];
}): WorkerSettings {
  const chosen =
    options.flagNamespaces && options.flagNamespaces.length > 0
      ? { namespaces: options.flagNamespaces, source: "flag" as const }
      : options.configNamespaces.length > 0
        ? { namespaces: [...options.configNamespaces], source: "config" as const }
        : { namespaces: [...options.available], source: "workflows" as const };
  const unknown = chosen.namespaces.filter((n) => !options.available.includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `this app has no handlers for namespace(s) ${unknown.join(", ")} (from ${
        chosen.source === "flag"
          ? "--namespaces"
          : "TASKER_WORKER_NAMESPACES / worker.toml [worker] namespaces"
      }); choose from: ${options.available.join(", ")}`,
    );
  }
  return { ...chosen, namespaces: [...new Set(chosen.namespaces)], concurrency: options.configConcurrency };
}
