import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openPgliteDatabase } from "./pglite-database.js";

const driver = fileURLToPath(new URL("./pglite-database.ts", import.meta.url));

describe("PGlite on a data directory, durability", () => {
  // PGlite's file system (Emscripten's NODEFS) writes each file through Node's fs as PostgreSQL
  // writes it, and its fsync is a no-op: a COMMIT returns once its WAL is in the operating
  // system's hands. So a committed transaction survives the process being killed (what this
  // checks), but not a power loss or a kernel crash (nothing here can check that). Documented in
  // docs and bench/LOG.md.
  it("keeps what was committed when the process is killed right after the COMMIT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-pglite-crash-"));
    try {
      const script = `
        const { openPgliteDatabase } = await import(${JSON.stringify(driver)});
        const db = await openPgliteDatabase(${JSON.stringify(dir)});
        await db.exec("CREATE TABLE t (id int PRIMARY KEY, note text)");
        await db.transaction(async (tx) => {
          await tx.query("INSERT INTO t VALUES ($1, $2)", [1, "in a transaction"]);
          await tx.queryAndCommit("INSERT INTO t VALUES ($1, $2)", [2, "with its commit"]);
        });
        await db.query("INSERT INTO t VALUES ($1, $2)", [3, "autocommitted"]);
        process.stdout.write("committed\\n");
        setInterval(() => undefined, 1000); // never exits by itself
      `;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        child.on("exit", (code) => reject(new Error(`the child exited (${code}) before committing`)));
        child.stdout.on("data", (d: Buffer) => {
          if (d.toString().includes("committed")) resolve();
        });
      });
      child.removeAllListeners("exit");
      const killed = new Promise((r) => child.on("exit", r));
      child.kill("SIGKILL");
      await killed;
      const db = await openPgliteDatabase(dir);
      try {
        expect(await db.query("SELECT id, note FROM t WHERE id > $1 ORDER BY id", [0])).toEqual([
          { id: 1, note: "in a transaction" },
          { id: 2, note: "with its commit" },
          { id: 3, note: "autocommitted" },
        ]);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
