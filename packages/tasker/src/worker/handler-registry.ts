import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AttemptOutcome } from "../lifecycle/decide-outcome.js";
import { isStepHandler, type StepHandler, StepHandlerBase } from "./handler.js";

/** Handlers by callable. One registry per worker; a duplicate callable is a startup error. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, StepHandler>();

  /** Adds handlers; throws when another handler already has the same callable. */
  register(...handlers: StepHandler[]): this {
    for (const h of handlers) {
      const existing = this.handlers.get(h.callable);
      if (existing && existing !== h) {
        throw new Error(
          `two handlers are registered for callable "${h.callable}"; each callable must be unique`,
        );
      }
      this.handlers.set(h.callable, h);
    }
    return this;
  }

  /** The handler registered under `callable`. */
  get(callable: string): StepHandler | undefined {
    return this.handlers.get(callable);
  }

  /** Whether a handler is registered under `callable`. */
  has(callable: string): boolean {
    return this.handlers.has(callable);
  }

  /** How many handlers are registered. */
  get size(): number {
    return this.handlers.size;
  }

  /** Every registered callable, sorted. */
  callables(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** The outcome of a claim no handler here serves: a permanent failure naming what is registered. */
  missing(callable: string, workerId: string): AttemptOutcome {
    return {
      ok: false,
      error: {
        message: `no handler is registered for callable "${callable}" on worker ${workerId}; register it (registered: ${this.callables().join(", ") || "none"})`,
        code: "handler_missing",
        retryable: false,
        kind: "handler_missing",
        metadata: null,
        retry_after_ms: null,
      },
    };
  }

  /**
   * Imports every module under `dir` (recursively; .ts/.mts/.js/.mjs, not tests) and registers each
   * export that is a handler object or a `StepHandlerBase` subclass.
   */
  async discover(dir: string): Promise<StepHandler[]> {
    const found: StepHandler[] = [];
    for (const file of listModules(resolve(dir))) {
      const mod = await importHandlerModule(file);
      for (const value of Object.values(mod)) {
        if (isStepHandler(value)) found.push(value);
        else if (typeof value === "function" && value.prototype instanceof StepHandlerBase) {
          found.push(new (value as new () => StepHandlerBase)());
        }
      }
    }
    this.register(...found);
    return found;
  }
}

/**
 * Imports one handler module. A TypeScript or .js file in a package without `"type": "module"`
 * (what `npm init` writes) is CommonJS to Node and tsx, and CommonJS cannot require the engine
 * (an ES module) while the engine is loading it: say exactly what to change instead of Node's
 * "Cannot require() ES Module ... in a cycle".
 */
async function importHandlerModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const requiresEsm =
      code === "ERR_REQUIRE_CYCLE_MODULE" ||
      code === "ERR_REQUIRE_ESM" ||
      code === "ERR_REQUIRE_ASYNC_MODULE" ||
      /Cannot require\(\) ES Module/.test((err as Error).message ?? "");
    const pkg = requiresEsm ? commonJsPackage(file) : undefined;
    if (!pkg) throw err;
    const ext = extname(file);
    throw new Error(
      `cannot load the handler module ${file}: Node loads it as CommonJS, because ${pkg} has no "type": "module" ` +
        `(npm init's default), and CommonJS cannot require @tasker-ts/tasker, an ES module, from here. ` +
        `Add "type": "module" to ${pkg}` +
        (ext === ".ts" || ext === ".js"
          ? `, or rename the handler files to ${ext === ".ts" ? ".mts" : ".mjs"} (ES modules whatever the package says)`
          : "") +
        ".",
      { cause: err },
    );
  }
}

/** The nearest package.json above `file` when it makes .js/.ts files CommonJS (no "type": "module"). */
function commonJsPackage(file: string): string | undefined {
  if (![".ts", ".js", ".cts", ".cjs"].includes(extname(file))) return undefined;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        const type = (JSON.parse(readFileSync(candidate, "utf8")) as { type?: unknown }).type;
        return type === "module" ? undefined : candidate;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== "node_modules") out.push(...listModules(path));
    } else if (
      [".ts", ".mts", ".js", ".mjs"].includes(extname(entry)) &&
      !/\.(test|spec|d)\.[mc]?[tj]s$/.test(entry)
    ) {
      out.push(path);
    }
  }
  return out.sort();
}
