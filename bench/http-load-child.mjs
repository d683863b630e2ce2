// The HTTP load generator of the creation part (bench/http-load.ts), in a process of its own as a
// user's load generator would be: the server's process then spends its CPU on serving alone.
// Plain JavaScript, so it starts without the TypeScript loader. Each message from the parent is a
// round: `calls` POSTs of `body` to `url` by `callers` at once on kept-alive connections; it
// answers with the round's wall time, each call's time and its own CPU time.
import { Agent, request } from "node:http";

process.on("message", async (round) => {
  const agent = new Agent({ keepAlive: true, maxSockets: round.callers });
  const url = new URL(round.url);
  const text = JSON.stringify(round.body);
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  const post = () =>
    new Promise((resolve, reject) => {
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            if (res.statusCode === 200 || res.statusCode === 201) resolve();
            else {
              const answer = Buffer.concat(chunks).toString().slice(0, 300);
              reject(new Error(`POST ${url.pathname} answered ${res.statusCode}: ${answer}`));
            }
          });
        },
      );
      req.on("error", reject);
      req.end(text);
    });
  let left = round.calls;
  const callMs = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: round.callers }, async () => {
        while (left > 0) {
          left--;
          const start = performance.now();
          await post();
          callMs.push(performance.now() - start);
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    process.send({ ms: performance.now() - t0, callMs, cpuMs: (cpu.user + cpu.system) / 1000 });
  } catch (err) {
    process.send({ error: err.message });
  } finally {
    agent.destroy();
  }
});
