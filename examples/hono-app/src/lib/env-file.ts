// Loads .env (the app folder's, then the working directory's) into process.env without
// overriding variables that are already set. Node has process.loadEnvFile; Bun reads .env itself.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export function loadEnvFiles(dirs: readonly string[]): string[] {
  const loaded: string[] = [];
  for (const dir of new Set(dirs.map((d) => resolve(d)))) {
    const file = resolve(dir, ".env");
    if (!existsSync(file)) continue;
    if (typeof process.loadEnvFile === "function") process.loadEnvFile(file);
    loaded.push(file);
  }
  return loaded;
}
