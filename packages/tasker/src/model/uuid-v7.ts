import { randomFillSync } from "node:crypto";

// The uuid package's v7 asks the system for 16 random bytes per uuid; a task's creation makes one
// per step, so the bytes are drawn from a pool filled 256 uuids at a time (the same CSPRNG).
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;
let lastMs = -1;
let seq = 0;
const HEX = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1));

/**
 * A version 7 uuid (RFC 9562) laid out as the uuid package's v7 lays it out: 48 bits of Unix
 * milliseconds, then a 31-bit counter that starts at a random value each millisecond and counts up
 * within it, so the uuids this process makes sort in the order it made them; random bits after.
 */
export function uuidv7(): string {
  if (next + 16 > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const r = next;
  next += 16;
  const now = Date.now();
  if (now > lastMs) {
    seq = ((pool[r + 6]! & 0x7f) << 24) | (pool[r + 7]! << 16) | (pool[r + 8]! << 8) | pool[r + 9]!;
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    // The counter wrapped: borrow the next millisecond, as the uuid package does.
    if (seq === 0) lastMs++;
  }
  const ms = lastMs;
  return (
    HEX[Math.floor(ms / 0x10000000000) & 0xff]! +
    HEX[Math.floor(ms / 0x100000000) & 0xff]! +
    HEX[Math.floor(ms / 0x1000000) & 0xff]! +
    HEX[Math.floor(ms / 0x10000) & 0xff]! +
    "-" +
    HEX[Math.floor(ms / 0x100) & 0xff]! +
    HEX[ms & 0xff]! +
    "-" +
    HEX[0x70 | ((seq >>> 28) & 0x0f)]! +
    HEX[(seq >>> 20) & 0xff]! +
    "-" +
    HEX[0x80 | ((seq >>> 14) & 0x3f)]! +
    HEX[(seq >>> 6) & 0xff]! +
    "-" +
    HEX[((seq << 2) & 0xff) | (pool[r + 10]! & 0x03)]! +
    HEX[pool[r + 11]!]! +
    HEX[pool[r + 12]!]! +
    HEX[pool[r + 13]!]! +
    HEX[pool[r + 14]!]! +
    HEX[pool[r + 15]!]!
  );
}
