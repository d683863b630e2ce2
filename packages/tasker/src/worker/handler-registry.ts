import { readdirSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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

  /** Every registered callable, sorted. */
  callables(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /**
   * Imports every module under `dir` (recursively; .ts/.js/.mjs, not tests) and registers each
   * export that is a handler object or a `StepHandlerBase` subclass.
   */
  async discover(dir: string): Promise<StepHandler[]> {
    const found: StepHandler[] = [];
    for (const file of listModules(resolve(dir))) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
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

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== "node_modules") out.push(...listModules(path));
    } else if (
      [".ts", ".js", ".mjs"].includes(extname(entry)) &&
      !/\.(test|spec|d)\.[mc]?[tj]s$/.test(entry)
    ) {
      out.push(path);
    }
  }
  return out.sort();
}
