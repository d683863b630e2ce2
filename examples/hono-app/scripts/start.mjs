#!/usr/bin/env node
// `npm start` (here and at the repository root): runs src/main.ts compiled into one ES module,
// cached in node_modules/.cache/tasker-start/ and rebuilt only when a file it was built from
// changed. Loading ~250 TypeScript files through tsx's loader took seconds on every start (a loader
// thread, a resolution and a transform cache lookup per file); one bundled file loads in a fraction
// of that. The app's and the engine's sources are bundled (each keeps its own import.meta.url, so
// their folders, templates and migrations are found where they are); npm packages stay imports.
//
//   TASKER_COMPILED_START=0         run src/main.ts through tsx instead, as before
//   TASKER_COMPILED_START=rebuild   rebuild the bundle even if it is current
import {
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Bump when the way bundles are built changes: older bundles are then rebuilt. */
const BUILD_VERSION = 2;
const APP_ROOT = fileURLToPath(new URL("..", import.meta.url));
const entry = resolve(APP_ROOT, "src/main.ts");
const mode = process.env.TASKER_COMPILED_START ?? "";
const t0 = performance.now();
// Said before anything is loaded: npm's own start is silent; main.ts does not say it again.
console.log(`hono-app: starting (${process.uptime().toFixed(1)} s)`);
globalThis[Symbol.for("hono-app.starting-said")] = true;
// As `npm start -w examples/hono-app` did: relative paths (TASKER_DATA_DIR=.data) are the app's.
process.chdir(APP_ROOT);

/** The entry run through tsx, file by file (no compiled start). */
async function runThroughTsx() {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(entry).href);
}

if (mode === "0" || mode === "false") {
  await runThroughTsx();
} else {
  const outDir = join(APP_ROOT, "node_modules", ".cache", "tasker-start");
  const name = basename(entry).replace(/\.[cm]?ts$/, "");
  const manifestPath = join(outDir, `${name}.json`);
  let bundle = mode === "rebuild" ? undefined : currentBundle(manifestPath);
  if (!bundle) {
    console.log(`hono-app: compiling ${name}.ts and what it imports (changed since the last start)`);
    try {
      bundle = await build(entry, outDir, name, manifestPath);
      console.log(`hono-app: compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      if (err?.errors?.length > 0) {
        // The code itself does not compile: tsx would fail on it too.
        console.error(`hono-app: could not compile ${entry}:\n${err.message}`);
        process.exit(1);
      }
      // No esbuild, or a cache folder this user cannot write (a container): run as before.
      console.log(`hono-app: running through tsx (no compiled start: ${err?.message ?? err})`);
    }
  }
  if (bundle) {
    process.setSourceMapsEnabled(true);
    await import(pathToFileURL(bundle).href);
  } else {
    await runThroughTsx();
  }
}

/**
 * The last build's entry file, when it exists and every file it was built from is as it was then
 * (size and mtime); else undefined.
 */
function currentBundle(manifestPath) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch {
    return undefined;
  }
  if (manifest.version !== BUILD_VERSION || manifest.node !== process.version) return undefined;
  const bundle = join(dirname(manifestPath), manifest.entry);
  if (!existsSync(bundle)) return undefined;
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    try {
      const s = statSync(file);
      if (s.size !== size || s.mtimeMs !== mtimeMs) return undefined;
    } catch {
      return undefined;
    }
  }
  return bundle;
}

/**
 * Bundles the entry into a new folder of its own (code split: what is imported lazily, such as the
 * BullMQ job queue, loads only when used), then points the manifest at it. Processes still running
 * an older build keep their folder; only builds older than the last few are removed.
 */
async function build(entryFile, outDir, name, manifestPath) {
  const esbuild = await import("esbuild");
  const buildDir = `${name}-${Date.now().toString(36)}-${process.pid}`;
  const result = await esbuild.build({
    entryPoints: { [name]: entryFile },
    outdir: join(outDir, buildDir),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node.split(".")[0]}`,
    // The workspace runs @tasker-ts/tasker from its TypeScript source (see .npmrc).
    conditions: ["@tasker-ts/source"],
    sourcemap: "linked",
    metafile: true,
    logLevel: "silent",
    plugins: [sourcesOnly(outDir)],
  });
  const inputs = {};
  const stamp = (file) => {
    const s = statSync(file);
    inputs[file] = [s.size, s.mtimeMs];
  };
  for (const input of Object.keys(result.metafile.inputs)) stamp(resolve(process.cwd(), input));
  // Also rebuild when the packages the bundle was resolved against change.
  for (const file of [join(APP_ROOT, "package.json"), resolve(APP_ROOT, "../../package-lock.json")]) {
    if (existsSync(file)) stamp(file);
  }
  const manifest = {
    version: BUILD_VERSION,
    node: process.version,
    entry: `${buildDir}/${name}.mjs`,
    inputs,
  };
  const partial = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(manifest));
  renameSync(partial, manifestPath);
  const builds = readdirSync(outDir)
    .filter((d) => d.startsWith(`${name}-`) && d !== buildDir)
    .map((d) => ({ d, t: statSync(join(outDir, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d } of builds.slice(2)) rmSync(join(outDir, d), { recursive: true, force: true });
  return join(outDir, buildDir, `${name}.mjs`);
}

/**
 * Bundles sources, not packages: a bare import that resolves into node_modules stays an import
 * (the same package Node would load from src/, checked below); a workspace package (its source)
 * and relative imports are bundled, each file with its own import.meta.url.
 */
function sourcesOnly(outDir) {
  return {
    name: "tasker-sources-only",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.inner) return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { inner: true },
        });
        if (found.errors.length > 0 || found.external) return found.errors.length > 0 ? undefined : found;
        const at = found.path.lastIndexOf(`${sep}node_modules${sep}`);
        if (at < 0) return found; // a workspace package: bundle its source
        return {
          path: sameFromBundle(args.path, found.path, outDir) ? args.path : found.path,
          external: true,
        };
      });
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const url = pathToFileURL(args.path).href;
        const text = (await readFile(args.path, "utf8"))
          .replaceAll("import.meta.url", JSON.stringify(url))
          .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)))
          .replaceAll("import.meta.filename", JSON.stringify(args.path));
        const ext = args.path.split(".").pop();
        return { contents: text, loader: ext.startsWith("m") || ext.startsWith("c") ? ext.slice(1) : ext };
      });
    },
  };
}

/** Whether Node, resolving `specifier` from the bundle's folder, finds the package esbuild found. */
function sameFromBundle(specifier, resolvedFile, outDir) {
  const parts = specifier.split("/");
  const pkg = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const pkgDir =
    resolvedFile.slice(0, resolvedFile.lastIndexOf(`${sep}node_modules${sep}`)) +
    `${sep}node_modules${sep}${pkg}`;
  for (let dir = outDir; ; dir = dirname(dir)) {
    if (basename(dir) !== "node_modules") {
      const candidate = join(dir, "node_modules", pkg);
      if (existsSync(candidate)) return realpathSync(candidate) === realpathSync(pkgDir);
    }
    if (dirname(dir) === dir) return false;
  }
}
