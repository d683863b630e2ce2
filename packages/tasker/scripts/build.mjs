// `npm run build` (and `npm pack` / `npm publish`, through prepack): compiles src/ to dist/ with
// declarations and source maps, and copies the migrations, which the engine reads at run time.
// dist/ is what the published package runs; this repository runs src/ (see the "@tasker-ts/source"
// condition in package.json's exports).
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync(`${root}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
cpSync(`${root}/src/store/migrations`, `${root}/dist/store/migrations`, { recursive: true });
