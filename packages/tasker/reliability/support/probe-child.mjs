// Asks a URL every `everyMs` until its stdin closes, then prints what it saw as one JSON line.
// A process of its own, so the answer times are the server's and not those of a busy caller.
// usage: node probe-child.mjs <url> <everyMs>
const [url, everyMs] = [process.argv[2], Number(process.argv[3])];

async function probe() {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

let running = true;
process.stdin.on("end", () => {
  running = false;
});
process.stdin.resume();
let probes = 0;
let slowestMs = 0;
const failures = [];
const first = await probe(); // loads fetch and opens the connection: not timed
if (first !== 200) failures.push(String(first));
process.stdout.write("ready\n");
while (running) {
  const started = performance.now();
  try {
    const status = await probe();
    if (status !== 200) failures.push(String(status));
  } catch (err) {
    failures.push(err.message);
  }
  probes++;
  slowestMs = Math.max(slowestMs, Math.round(performance.now() - started));
  await new Promise((r) => setTimeout(r, everyMs));
}
process.stdout.write(`${JSON.stringify({ probes, slowestMs, failures })}\n`);
