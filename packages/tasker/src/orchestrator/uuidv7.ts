import { randomFillSync } from "node:crypto";

// Random bytes are drawn a pool at a time: one randomBytes(16) per id was a visible share of task
// creation's JavaScript time (a native call and a Buffer per id), and a task takes one id per step.
const RANDOM_BYTES_PER_ID = 10;
/** How many ids one refill of the pool serves (exported for the tests that cross a refill). */
export const IDS_PER_FILL = 400;
const pool = Buffer.alloc(RANDOM_BYTES_PER_ID * IDS_PER_FILL);
let poolAt = pool.length;

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/**
 * Time-ordered UUID (RFC 9562 v7): new rows land at the right edge of the primary-key index
 * instead of at random pages, which keeps inserts cheap as tables grow.
 */
export function uuidv7(now = Date.now()): string {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += RANDOM_BYTES_PER_ID;
  // 48-bit milliseconds as a 32-bit high and a 16-bit low part (numbers: no BigInt needed).
  const high = Math.floor(now / 0x10000);
  const low = now % 0x10000;
  const h = (n: number) => HEX[n] as string;
  const b = (i: number) => pool[r + i] as number;
  return (
    h(high >>> 24) +
    h((high >>> 16) & 0xff) +
    h((high >>> 8) & 0xff) +
    h(high & 0xff) +
    "-" +
    h(low >>> 8) +
    h(low & 0xff) +
    "-" +
    h(0x70 | (b(0) & 0x0f)) + // version 7
    h(b(1)) +
    "-" +
    h(0x80 | (b(2) & 0x3f)) + // variant 10xx
    h(b(3)) +
    "-" +
    h(b(4)) +
    h(b(5)) +
    h(b(6)) +
    h(b(7)) +
    h(b(8)) +
    h(b(9))
  );
}
