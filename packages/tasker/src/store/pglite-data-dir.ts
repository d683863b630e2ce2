// What happens to a PGlite data folder before PGlite opens it: one process at a time (a lock file
// naming its holder), and a new folder filled from a cached copy of a fresh cluster instead of
// running initdb in WASM every time (5-15 s, the bulk of a first start).

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { PGlite } from "@electric-sql/pglite";

/** The lock file inside a data folder, while a process has it open. */
export const LOCK_FILE = "tasker.lock";

interface LockInfo {
  pid: number;
  hostname: string;
  started: string;
  command: string;
}

/** A data folder is open in another process (or already in this one). */
export class DataDirLockedError extends Error {
  readonly code = "data_dir_locked";
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    const here = holder.pid === process.pid && holder.hostname === hostname();
    super(
      here
        ? `the PGlite data folder ${dataDir} is already open in this process (pid ${holder.pid}); open it once and share the database`
        : `the PGlite data folder ${dataDir} is in use by process ${holder.pid}${holder.hostname === hostname() ? "" : ` on ${holder.hostname}`} (${holder.command}, since ${holder.started}). ` +
            "An embedded PGlite database belongs to one process: stop that process, or run every process on PostgreSQL (DATABASE_URL / --database-url) to share one database. " +
            `If no such process runs, delete ${join(dataDir, LOCK_FILE)}.`,
    );
    this.name = "DataDirLockedError";
  }
}

/** Holds `dataDir` for this process until `release()`. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** Whether a process with this pid runs on this machine (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    if (typeof info.pid !== "number") return undefined;
    return {
      pid: info.pid,
      hostname: info.hostname ?? hostname(),
      started: info.started ?? "an unknown time",
      command: info.command ?? "unknown command",
    };
  } catch {
    return undefined;
  }
}

/**
 * Takes the data folder for this process: creates `LOCK_FILE` exclusively, with this process's
 * pid. A lock left by a process that no longer runs (on this machine) is taken over; a live one
 * is a {@link DataDirLockedError} naming its holder.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const mine: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    started: new Date().toISOString(),
    command: process.argv
      .slice(1)
      .map((a) => a.split(sep).slice(-3).join(sep))
      .join(" ")
      .slice(0, 200),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readLock(path);
      if (holder === undefined) {
        // Being written this instant by another opener, or left half-written: look again, then
        // treat a lock that stays unreadable as stale.
        if (attempt < 2) {
          sleepSync(20);
          continue;
        }
      } else if (holder.hostname !== hostname() || alive(holder.pid)) {
        throw new DataDirLockedError(dataDir, holder);
      }
      // Stale: its process is gone. Move it aside (only one of several takers succeeds), retry.
      try {
        renameSync(path, `${path}.stale-${process.pid}`);
        rmSync(`${path}.stale-${process.pid}`, { force: true });
      } catch {
        // another opener took it over first
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(mine));
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        // Only our own lock: a folder deleted and reopened by someone else meanwhile keeps theirs.
        if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
      },
    };
  }
  const holder = readLock(path);
  if (holder) throw new DataDirLockedError(dataDir, holder);
  throw new Error(`could not lock the PGlite data folder ${dataDir} (${path} keeps changing)`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether the folder holds a database cluster (PGlite's own test). */
export function hasCluster(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

const require = createRequire(import.meta.url);

/** The installed PGlite package's folder (its package.json is not exported). */
function pgliteRoot(): string {
  const entry = require.resolve("@electric-sql/pglite");
  const marker = `${sep}@electric-sql${sep}pglite${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot tell PGlite's folder from ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}

/** The installed PGlite's version (the cached cluster is only valid for it). */
export function pgliteVersion(): string {
  return (JSON.parse(readFileSync(join(pgliteRoot(), "package.json"), "utf8")) as { version: string })
    .version;
}

/**
 * Where cached clusters live: TASKER_CACHE_DIR, else `node_modules/.cache/tasker-ts` of the
 * node_modules holding PGlite (removed with it, and per installed version).
 */
export function cacheDir(): string {
  const configured = process.env.TASKER_CACHE_DIR;
  if (configured) return resolve(configured);
  const root = pgliteRoot();
  const at = root.lastIndexOf(`${sep}node_modules${sep}`);
  return at >= 0 ? join(root.slice(0, at), "node_modules", ".cache", "tasker-ts") : join(root, ".cache");
}

let template: Promise<Uint8Array | undefined> | undefined;

/**
 * A fresh cluster as PGlite's initdb makes it, as a tar file (what `dumpDataDir` writes): read
 * from the cache, else made once (in memory, then checkpointed and dumped, as PGlite's own
 * initdb does for an in-memory database) and written there. Undefined when it cannot be made;
 * the caller then lets PGlite run initdb itself.
 */
export function clusterTemplate(onCreate?: () => void): Promise<Uint8Array | undefined> {
  template ??= (async () => {
    let file: string | undefined;
    try {
      file = join(cacheDir(), `pglite-${pgliteVersion()}-cluster.tar`);
      if (statSync(file).size > 0) return new Uint8Array(readFileSync(file));
    } catch {
      // not cached yet (or no cache at all: made for this process only)
    }
    onCreate?.();
    let tar: Uint8Array;
    try {
      const fresh = await PGlite.create("memory://");
      try {
        await fresh.exec("CHECKPOINT");
        tar = new Uint8Array(await (await fresh.dumpDataDir("none")).arrayBuffer());
      } finally {
        await fresh.close();
      }
    } catch {
      return undefined;
    }
    if (file === undefined) return tar;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, tar);
      renameSync(partial, file);
    } catch {
      // A read-only cache: this process still uses the cluster it made.
    }
    return tar;
  })();
  return template;
}

/**
 * Writes the cluster in `tar` (ustar, as PGlite's `dumpDataDir("none")` writes it: directories and
 * regular files) into `dataDir`, PG_VERSION last, so that a folder cut off halfway is never taken
 * for a cluster. Paths are relative to the archive's root; nothing is written outside `dataDir`.
 */
export function extractCluster(tar: Uint8Array, dataDir: string): void {
  const root = resolve(dataDir);
  const decoder = new TextDecoder();
  const text = (at: number, length: number) => {
    const raw = tar.subarray(at, at + length);
    const end = raw.indexOf(0);
    return decoder.decode(end >= 0 ? raw.subarray(0, end) : raw);
  };
  let last: { path: string; data: Uint8Array } | undefined;
  let longName: string | undefined;
  for (let at = 0; at + 512 <= tar.length; ) {
    if (tar[at] === 0) break; // the two empty blocks that end the archive
    const size = Number.parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156] ?? 0);
    const prefix = text(at + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100));
    longName = undefined;
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = decoder.decode(data).replace(/\0.*$/s, "");
      continue;
    }
    name = name.replace(/^\/+/, "");
    const path = resolve(root, name);
    if (name === "" || (path !== root && !path.startsWith(root + sep))) continue;
    if (type === "5") {
      mkdirSync(path, { recursive: true });
    } else if (type === "0" || type === "\0") {
      mkdirSync(dirname(path), { recursive: true });
      if (name === "PG_VERSION") last = { path, data };
      else writeFileSync(path, data);
    } else {
      throw new Error(`unexpected entry type "${type}" for ${name} in the cached PGlite cluster`);
    }
  }
  if (!last) throw new Error("the cached PGlite cluster has no PG_VERSION");
  writeFileSync(last.path, last.data);
}

export interface OpenPgliteOptions {
  /** Called before a step that can take seconds (making the cached cluster: a first run). */
  onProgress?: (message: string) => void;
}

/**
 * Opens PGlite on a data folder (locked for this process until the database closes) or in memory
 * (`memory://`), starting a new one from the cached cluster. Returns the instance and the lock.
 */
export async function createPglite(
  dataDir: string,
  options: OpenPgliteOptions = {},
): Promise<{ pglite: PGlite; lock: DataDirLock | undefined }> {
  const made = () =>
    options.onProgress?.(
      "creating a PostgreSQL cluster for PGlite (initdb, once per installation: 5-20 s; new data folders are copied from it)",
    );
  if (dataDir.startsWith("memory://")) {
    const tar = await clusterTemplate(made);
    const pglite = tar
      ? await PGlite.create(dataDir, { loadDataDir: new Blob([tar as Uint8Array<ArrayBuffer>]) })
      : await PGlite.create(dataDir);
    return { pglite, lock: undefined };
  }
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  try {
    if (!hasCluster(dataDir)) {
      const tar = await clusterTemplate(made);
      if (tar) extractCluster(tar, dataDir);
      else unlinkSync(lock.path); // PGlite's initdb wants an empty folder; relocked below
    }
    if (!existsSync(lock.path)) {
      const pglite = await PGlite.create(dataDir);
      const again = lockDataDir(dataDir);
      return { pglite, lock: again };
    }
    return { pglite: await PGlite.create(dataDir), lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}
