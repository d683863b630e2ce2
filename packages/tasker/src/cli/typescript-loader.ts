import { readdirSync } from "node:fs";
import { join } from "node:path";
import { usageError } from "./exit-codes.js";

/** Set by bin/tasker-ctl.js when it has already registered tsx (running from source). */
export const TSX_REGISTERED = Symbol.for("tasker-ctl.tsx-registered");

function containsTypeScript(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== "node_modules" && containsTypeScript(join(dir, entry.name)))
      return true;
    if (entry.isFile() && /\.[mc]?ts$/.test(entry.name) && !entry.name.endsWith(".d.ts")) return true;
  }
  return false;
}

/**
 * Handler directories may hold TypeScript. Node cannot import it by itself, so register tsx
 * (once) when it is needed and installed, and explain what to do when it is not.
 */
export async function ensureTypeScriptLoader(dirs: readonly string[]): Promise<void> {
  const flags = globalThis as Record<symbol, unknown>;
  if (flags[TSX_REGISTERED] || !dirs.some(containsTypeScript)) return;
  try {
    const { register } = await import("tsx/esm/api");
    register();
    flags[TSX_REGISTERED] = true;
  } catch {
    throw usageError(
      `the handler directories ${dirs.join(", ")} contain TypeScript, which needs tsx to load: install it (npm install tsx) or point --handlers at compiled JavaScript`,
    );
  }
}
