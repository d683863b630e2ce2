import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  clusterTemplate,
  DataDirLockedError,
  extractCluster,
  LOCK_FILE,
  lockDataDir,
} from "./pglite-data-dir.js";
import { embeddedPglite, openPgliteDatabase } from "./pglite-database.js";

const driver = fileURLToPath(new URL("./pglite-database.ts", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "tasker-pglite-dir-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const newDir = () => join(scratch, `db-${++n}`);

describe("a PGlite data folder belongs to one process", () => {
  it("a second process opening it gets an error naming the holder's pid", async () => {
    const dir = newDir();
    const script = `
      const { openPgliteDatabase } = await import(${JSON.stringify(driver)});
      await openPgliteDatabase(${JSON.stringify(dir)});
      process.stdout.write("open\\n");
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.on("exit", (code) => reject(new Error(`the child exited (${code}) before opening`)));
        child.stdout.on("data", (d: Buffer) => d.toString().includes("open") && resolve());
      });
      const second = openPgliteDatabase(dir);
      await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(second).rejects.toThrow(
        new RegExp(`in use by process ${child.pid} .*stop that process, or run every process on PostgreSQL`),
      );
    } finally {
      child.removeAllListeners("exit");
      const gone = new Promise((r) => child.on("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
    // Its holder killed, the lock is stale: the next opener takes it over.
    const db = await openPgliteDatabase(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await db.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("takes over a lock whose process is gone, and refuses a live one", () => {
    const dir = newDir();
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const lockPath = join(dir, LOCK_FILE);
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: dead, hostname: hostname(), started: "x", command: "gone" }),
    );
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lockPath, "utf8")).pid).toBe(process.pid);
    expect(() => lockDataDir(dir)).toThrow(/already open in this process/);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
    // pid 1 always runs.
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: 1, hostname: hostname(), started: "then", command: "init" }),
    );
    expect(() => lockDataDir(dir)).toThrow(/in use by process 1 \(init, since then\)/);
  });

  it("can be closed and opened again in the same process", async () => {
    const dir = newDir();
    const first = await openPgliteDatabase(dir);
    await expect(openPgliteDatabase(dir)).rejects.toThrow(/already open in this process/);
    await first.close();
    const again = await openPgliteDatabase(dir);
    expect(await again.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    await again.close();
  });
});

describe("new databases start from a cached cluster", () => {
  it("fills a new folder from the cache (PG_VERSION last) and the cluster works", async () => {
    const tar = await clusterTemplate();
    expect(tar).toBeDefined();
    const dir = newDir();
    extractCluster(tar!, dir);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(["PG_VERSION", "base", "global", "pg_wal"]));
    const db = await openPgliteDatabase(dir);
    await db.exec("CREATE TABLE t (id int)");
    await db.query("INSERT INTO t VALUES ($1)", [1]);
    expect(await db.query("SELECT count(*)::int AS n FROM t")).toEqual([{ n: 1 }]);
    await db.close();
  });

  it("writes nothing outside the folder", () => {
    const header = new Uint8Array(512);
    header.set(new TextEncoder().encode("../escaped"), 0);
    header.set(new TextEncoder().encode("0000000"), 124);
    header[156] = "0".charCodeAt(0);
    const dir = newDir();
    expect(() => extractCluster(new Uint8Array([...header, ...new Uint8Array(1024)]), dir)).toThrow(
      /no PG_VERSION/,
    );
    expect(existsSync(join(scratch, "escaped"))).toBe(false);
  });

  it("gives access to the engine database's PGlite instance, for an app's own tables", async () => {
    const db = await openPgliteDatabase("memory://");
    const pglite = embeddedPglite(db);
    expect(pglite).toBeDefined();
    await pglite!.exec("CREATE SCHEMA app; CREATE TABLE app.t (id int)");
    await db.query("INSERT INTO app.t VALUES ($1)", [7]);
    expect((await pglite!.query("SELECT id FROM app.t")).rows).toEqual([{ id: 7 }]);
    await db.close();
  });
});
