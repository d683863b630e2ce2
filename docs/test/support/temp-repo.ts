// A throwaway copy of the repository for running documented commands as a newcomer would: the
// files git would check out (plus uncommitted work), and node_modules linked to this checkout's
// installed packages, with workspace links pointing into the copy.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

export interface TempRepo {
  root: string;
  remove(): void;
}

/** Files that are tracked, or new and not ignored (a fresh clone plus work in progress). */
function repoFiles(source: string): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: source,
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .toString("utf8")
    .split("\0")
    .filter((f) => f !== "" && existsSync(join(source, f)));
}

/**
 * node_modules of the copy: every installed package linked to the source's, except links (the
 * workspace packages), which are recreated as they are so they resolve inside the copy, and
 * .bin, whose relative links then reach the copy's packages too.
 */
function linkNodeModules(sourceDir: string, targetDir: string): void {
  mkdirSync(targetDir, { recursive: true });
  for (const name of readdirSync(sourceDir)) {
    const from = join(sourceDir, name);
    const to = join(targetDir, name);
    const stat = lstatSync(from);
    if (name === ".bin") {
      mkdirSync(to, { recursive: true });
      for (const bin of readdirSync(from)) {
        const binPath = join(from, bin);
        if (lstatSync(binPath).isSymbolicLink()) symlinkSync(readlinkSync(binPath), join(to, bin));
        else cpSync(binPath, join(to, bin));
      }
    } else if (name.startsWith(".")) {
      // Caches (.vite) and npm's hidden lockfile belong to the source checkout.
    } else if (stat.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to);
    } else if (name.startsWith("@") && stat.isDirectory()) {
      linkNodeModules(from, to);
    } else {
      symlinkSync(from, to);
    }
  }
}

export function createTempRepo(source: string = REPO_ROOT): TempRepo {
  const root = mkdtempSync(join(tmpdir(), "tasker-docs-"));
  for (const file of repoFiles(source)) {
    const target = join(root, file);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(source, file), target, { verbatimSymlinks: true });
  }
  if (!existsSync(join(source, "node_modules"))) {
    throw new Error(`${source}/node_modules is missing; run npm install at the repository root first`);
  }
  linkNodeModules(join(source, "node_modules"), join(root, "node_modules"));
  // Workspace-local node_modules (packages npm could not hoist).
  for (const group of ["packages", "examples"]) {
    if (!existsSync(join(source, group))) continue;
    for (const ws of readdirSync(join(source, group))) {
      const modules = join(source, group, ws, "node_modules");
      if (existsSync(modules) && existsSync(join(root, group, ws))) {
        linkNodeModules(modules, join(root, group, ws, "node_modules"));
      }
    }
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
