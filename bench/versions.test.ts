import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectRabbitMq } from "./versions.js";

/** A TCP server that accepts connections and never answers: a broker that listens but hangs. */
async function silentServer(): Promise<{ url: string; accepted: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    accepted: () => sockets.length,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

describe("connectRabbitMq", () => {
  let server: Awaited<ReturnType<typeof silentServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("tries again, with the next timeout, while the handshake times out; then gives the timeout", async () => {
    const silent = await silentServer();
    server = silent;
    const started = Date.now();
    const warnings: string[] = [];
    await expect(connectRabbitMq(silent.url, [50, 150], (line) => warnings.push(line))).rejects.toThrow(
      "ETIMEDOUT",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(silent.accepted()).toBe(2);
    expect(warnings).toEqual([
      expect.stringMatching(/did not finish the handshake in 50 ms; trying again with 150 ms$/),
    ]);
  });

  it("does not try again when nothing listens", async () => {
    const silent = await silentServer();
    await silent.close();
    const { url } = silent;
    const started = Date.now();
    const warnings: string[] = [];
    await expect(connectRabbitMq(url, [5_000, 5_000], (line) => warnings.push(line))).rejects.toThrow(
      "ECONNREFUSED",
    );
    expect(warnings).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
