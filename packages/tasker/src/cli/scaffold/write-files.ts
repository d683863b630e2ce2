import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CliError, EXIT } from "../exit-codes.js";

export interface GeneratedFile {
  path: string;
  content: string;
}

/**
 * Writes generated files, all or none: when any already exists and `force` is off, nothing is
 * written and the error lists them (exit 4: a conflict with what is on disk).
 */
export function writeGeneratedFiles(files: readonly GeneratedFile[], force: boolean): void {
  const existing = files.filter((f) => existsSync(f.path)).map((f) => f.path);
  if (existing.length > 0 && !force) {
    throw new CliError(
      `refusing to overwrite ${existing.join(", ")}; pass --force to replace ${existing.length === 1 ? "it" : "them"}`,
      EXIT.conflict,
    );
  }
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }
}
