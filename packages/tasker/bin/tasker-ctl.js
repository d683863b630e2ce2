#!/usr/bin/env node
// tasker-ctl. Installed from npm it runs the compiled CLI (dist/). In this repository it runs the
// TypeScript source through tsx: when the "@tasker-ts/source" export condition is on (npm scripts
// and npx turn it on, see .npmrc), when nothing is built, or when TASKER_CTL_FROM_SOURCE is set.
import { existsSync } from "node:fs";
import { register } from "node:module";

const SOURCE_CONDITION = "@tasker-ts/source";
const built = new URL("../dist/cli/main.js", import.meta.url);
const fromSource =
  Boolean(process.env.TASKER_CTL_FROM_SOURCE) ||
  !existsSync(built) ||
  import.meta.resolve("@tasker-ts/tasker").endsWith(".ts");

let cli;
if (fromSource) {
  // Turned on here too when it was not: handler modules a worker loads from this repository then
  // import @tasker-ts/tasker from its source as well, not from a missing or stale dist/.
  const hook = `export const resolve = (specifier, context, next) =>
    next(specifier, { ...context, conditions: [...context.conditions, ${JSON.stringify(SOURCE_CONDITION)}] });`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  const tsx = await import("tsx/esm/api");
  tsx.register();
  // Tells the worker command that .ts handler modules can already be imported.
  globalThis[Symbol.for("tasker-ctl.tsx-registered")] = true;
  cli = await import(new URL("../src/cli/main.ts", import.meta.url).href);
} else {
  cli = await import(built.href);
}

const code = await cli.runCli(process.argv);
// Exit once the output is flushed, without waiting for idle keep-alive sockets and the like.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
