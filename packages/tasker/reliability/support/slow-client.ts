import { readFileSync } from "node:fs";
import { connect } from "node:net";

/** How a slow client fared. */
export interface SlowClient {
  /** What the server sent before it closed the connection (`HTTP/1.1 408 ...`, or nothing). */
  reply: string;
  /** When the server closed the connection, in ms after the client connected; Infinity if it never did. */
  closedAfterMs: number;
}

/**
 * A slow-loris client on a raw socket: sends `atOnce`, then `slowly` one byte every `everyMs`,
 * until the server closes the connection or `giveUpMs` passes.
 */
export function slowClient(
  url: string,
  atOnce: string,
  slowly: string,
  everyMs: number,
  giveUpMs: number,
): Promise<SlowClient> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let reply = "";
    let sent = 0;
    socket.write(atOnce);
    const timer = setInterval(() => {
      if (sent < slowly.length && socket.writable) socket.write(slowly[sent++]!);
    }, everyMs);
    const done = (closedAfterMs: number) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ reply, closedAfterMs });
    };
    const giveUp = setTimeout(() => done(Number.POSITIVE_INFINITY), giveUpMs);
    socket.on("data", (d) => {
      reply += d.toString();
    });
    socket.on("close", () => done(Date.now() - started));
    socket.on("error", () => done(Date.now() - started));
  });
}

/** A process's resident memory in MiB (Linux). */
export function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Math.round(Number(kib) / 1024);
}

/**
 * Asks `url` every `everyMs` until stopped; `stop()` gives the slowest answer in ms and the
 * statuses that were not 200.
 */
export function keepProbing(
  url: string,
  everyMs = 100,
): { stop(): Promise<{ slowestMs: number; failures: string[] }> } {
  let running = true;
  let slowestMs = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(String(res.status));
      } catch (err) {
        failures.push((err as Error).message);
      }
      slowestMs = Math.max(slowestMs, Date.now() - started);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { slowestMs, failures };
    },
  };
}
