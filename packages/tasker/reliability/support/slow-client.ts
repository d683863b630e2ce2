import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";

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

/** What a probe saw: answers timed, the slowest in ms, and the statuses or errors that were not 200. */
export interface ProbeReport {
  probes: number;
  slowestMs: number;
  failures: string[];
}

const PROBE_CHILD = fileURLToPath(new URL("./probe-child.mjs", import.meta.url));

/**
 * Asks `url` every `everyMs` from a child process until stopped. The test process itself sends
 * the load, and its own pauses (a large body's copy, a collection) would otherwise count as the
 * server's. Resolves once the first answer came back; the child is killed when the test ends, so
 * a failed assertion before `stop()` leaves none behind.
 */
export async function keepProbing(url: string, everyMs = 100): Promise<{ stop(): Promise<ProbeReport> }> {
  const child = spawn(process.execPath, [PROBE_CHILD, url, String(everyMs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  onTestFinished(() => {
    child.kill();
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    out += chunk;
  });
  // "close" comes after the child's stdout has ended, so its last line is in `out`.
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => {
      if (out.startsWith("ready\n")) resolve();
    });
    closed.then(
      (code) => reject(new Error(`the probe of ${url} exited (${code}) before its first answer`)),
      reject,
    );
  });
  let report: Promise<ProbeReport> | undefined;
  return {
    stop() {
      report ??= (async () => {
        child.stdin.end();
        const code = await closed;
        const last = out.trim().split("\n").at(-1) ?? "";
        if (code !== 0 || !last.startsWith("{"))
          throw new Error(`the probe of ${url} exited (${code}): ${out}`);
        return JSON.parse(last) as ProbeReport;
      })();
      return report;
    },
  };
}
