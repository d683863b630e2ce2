#!/usr/bin/env node
// tasker-ctl: runs the built CLI (dist/) when present, else the TypeScript source through tsx,
// so it works in the monorepo without a build. TASKER_CTL_FROM_SOURCE=1 forces the source.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
let cli;
if (existsSync(built) && !process.env.TASKER_CTL_FROM_SOURCE) {
  cli = await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  // Tells the worker command that .ts handler modules can already be imported.
  globalThis[Symbol.for("tasker-ctl.tsx-registered")] = true;
  cli = await import(new URL("../src/cli/main.ts", import.meta.url).href);
}

const code = await cli.runCli(process.argv);
// Exit once the output is flushed, without waiting for idle keep-alive sockets and the like.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
