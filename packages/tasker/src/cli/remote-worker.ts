import { readFile } from "node:fs/promises";
import { createLogger } from "../observability/logger.js";
import { loadTemplates } from "../template/load.js";
import { HandlerRegistry } from "../worker/handler-registry.js";
import { RemoteWorker } from "../worker/remote-worker.js";
import { usageError } from "./exit-codes.js";

/** What `tasker-ctl worker --orchestration-url` needs to run the handlers over the worker protocol. */
export interface RemoteWorkerCommand {
  orchestrationUrl: string;
  apiKey: string | undefined;
  handlerDirs: readonly string[];
  templatePaths: readonly string[];
  namespaces: readonly string[] | undefined;
  concurrency: number | undefined;
  workerId: string | undefined;
  leaseSeconds: number | undefined;
  shutdownTimeoutMs: number | undefined;
  lenient?: boolean;
}

/**
 * Starts a RemoteWorker for the handlers in the given folders: the templates found locally are
 * registered through the server (POST /v1/templates), and without --namespaces it serves those
 * whose templates use its handlers. No database is opened.
 */
export async function startRemoteWorker(c: RemoteWorkerCommand): Promise<RemoteWorker> {
  const registry = new HandlerRegistry();
  for (const dir of c.handlerDirs) await registry.discover(dir);
  const loaded =
    c.templatePaths.length > 0
      ? await loadTemplates([...c.templatePaths], { lenient: c.lenient === true })
      : undefined;
  if (loaded && loaded.errors.length > 0) throw usageError(loaded.errors.map((e) => e.message).join("\n"));
  const templates = loaded?.templates ?? [];
  const namespaces =
    c.namespaces && c.namespaces.length > 0
      ? [...c.namespaces]
      : [
          ...new Set(
            templates
              .filter((t) => t.template.steps.some((s) => registry.has(s.handler.callable)))
              .map((t) => t.template.namespace_name),
          ),
        ].sort();
  if (namespaces.length === 0) {
    throw usageError(
      "this worker serves no namespace: pass --namespaces, or --templates with templates that use its handlers",
    );
  }
  const worker = new RemoteWorker(registry, createLogger({ name: "tasker-ctl" }), {
    orchestrationUrl: c.orchestrationUrl,
    apiKey: c.apiKey,
    namespaces,
    workerId: c.workerId,
    ...(c.concurrency ? { concurrency: c.concurrency } : {}),
    ...(c.leaseSeconds ? { leaseSeconds: c.leaseSeconds } : {}),
    ...(c.shutdownTimeoutMs ? { shutdownTimeoutMs: c.shutdownTimeoutMs } : {}),
    templates: await Promise.all(templates.map((t) => readFile(t.file, "utf8"))),
  });
  try {
    await worker.start();
  } catch (err) {
    throw usageError(`cannot start the worker against ${c.orchestrationUrl}: ${(err as Error).message}`);
  }
  return worker;
}
