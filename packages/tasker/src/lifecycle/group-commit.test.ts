import { describe, expect, it } from "vitest";
import { GroupCommit, type WriteBatch } from "./group-commit.js";

interface Item {
  id: number;
  key: string;
}

/** A write that waits until the test releases it, recording every batch it was given. */
function controlledWrite() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const write: WriteBatch<Item, string> = async (items) => {
    batches.push(items.map((i) => i.id));
    await new Promise<void>((r) => releases.push(r));
    return items.map((i) =>
      i.id < 0
        ? { status: "rejected" as const, reason: new Error(`item ${i.id} failed`) }
        : { status: "fulfilled" as const, value: `done ${i.id}` },
    );
  };
  const releaseNext = async () => {
    const r = releases.shift();
    if (!r) throw new Error("no write is waiting");
    r();
    await new Promise((r2) => setImmediate(r2));
  };
  return { write, batches, releases, releaseNext };
}

const item = (id: number, key = `k${id}`): Item => ({ id, key });

describe("GroupCommit", () => {
  it("writes an item at once while a write is free, and groups what arrives while none is", async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxInFlight: 1, maxBatch: 10, key: (i) => i.key });
    const first = group.submit(item(1));
    expect(w.batches).toEqual([[1]]); // no waiting for company
    const rest = [2, 3, 4].map((id) => group.submit(item(id)));
    expect(group.pending()).toEqual({ waiting: 3, inFlight: 1 });
    await w.releaseNext();
    expect(await first).toBe("done 1");
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    await w.releaseNext();
    expect(await Promise.all(rest)).toEqual(["done 2", "done 3", "done 4"]);
    expect(group.pending()).toEqual({ waiting: 0, inFlight: 0 });
  });

  it("with gatherTurn, starts a free write at the end of the turn, with all that arrived during it", async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxInFlight: 2, maxBatch: 10, gatherTurn: true });
    const first = [1, 2, 3].map((id) => group.submit(item(id)));
    expect(w.batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1, 2, 3]]);
    // Answered, the callers submit again at once: together again, not the first alone.
    const again = first.map(async (p, i) => {
      await p;
      return group.submit(item(4 + i));
    });
    await w.releaseNext();
    expect(w.batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await w.releaseNext();
    expect(await Promise.all(again)).toEqual(["done 4", "done 5", "done 6"]);
  });

  it("runs up to maxInFlight writes at once and caps a batch at maxBatch", async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxInFlight: 2, maxBatch: 2, key: (i) => i.key });
    const all = [1, 2, 3, 4, 5, 6].map((id) => group.submit(item(id)));
    expect(w.batches).toEqual([[1], [2]]);
    await w.releaseNext();
    expect(w.batches).toEqual([[1], [2], [3, 4]]);
    await w.releaseNext();
    expect(w.batches).toEqual([[1], [2], [3, 4], [5, 6]]);
    await w.releaseNext();
    await w.releaseNext();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6].map((id) => `done ${id}`));
  });

  it("never puts two items of one key in one batch, and keeps the later one's place", async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxInFlight: 1, maxBatch: 10, key: (i) => i.key });
    const all = [group.submit(item(1)), group.submit(item(2, "a")), group.submit(item(3, "a"))];
    all.push(group.submit(item(4, "b")), group.submit(item(5, "a")));
    await w.releaseNext();
    await w.releaseNext();
    await w.releaseNext();
    await w.releaseNext();
    expect(w.batches).toEqual([[1], [2, 4], [3], [5]]);
    await Promise.all(all);
  });

  it("fails only the items whose write failed, and every item when the whole write throws", async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxInFlight: 1, maxBatch: 10, key: (i) => i.key });
    const blocker = group.submit(item(1));
    const ok = group.submit(item(2));
    const bad = group.submit(item(-3)).catch((err: Error) => err);
    await w.releaseNext();
    await w.releaseNext();
    await blocker;
    expect(await ok).toBe("done 2");
    expect((await bad) as Error).toBeInstanceOf(Error);
    expect(((await bad) as Error).message).toBe("item -3 failed");

    const broken = new GroupCommit<Item, string>(
      async () => {
        throw new Error("connection lost");
      },
      { maxInFlight: 1, maxBatch: 10, key: (i) => i.key },
    );
    const results = await Promise.allSettled([broken.submit(item(1)), broken.submit(item(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(broken.pending()).toEqual({ waiting: 0, inFlight: 0 });
  });

  it("refuses limits below 1", () => {
    const write: WriteBatch<Item, string> = async () => [];
    expect(() => new GroupCommit(write, { maxInFlight: 0, maxBatch: 1, key: (i) => i.key })).toThrow(
      /at least 1/,
    );
  });
});
