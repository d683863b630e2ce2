import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import type { CliContext } from "./context.js";
import { usageError } from "./exit-codes.js";
import { withJsonOption } from "./options.js";
import { projectFiles, projectNames } from "./scaffold/project-source.js";
import { writeGeneratedFiles } from "./scaffold/write-files.js";

/** This engine package's folder (src/cli and dist/cli are both two levels below it). */
const ENGINE_DIR = fileURLToPath(new URL("../../", import.meta.url));

interface InitOptions {
  namespace?: string;
  engine?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * How the new project depends on the engine: the version range when this is an installed
 * package, `file:` this checkout's package when it runs from a clone (nothing is published then).
 */
function defaultEngineSpec(pkg: { version: string }): string {
  return ENGINE_DIR.includes(`${sep}node_modules${sep}`)
    ? `^${pkg.version}`
    : `file:${ENGINE_DIR.replace(/[\\/]$/, "")}`;
}

/** `tasker-ctl init <dir>`: a new project that runs and passes its test as generated. */
export function initCommand(ctx: CliContext): Command {
  return withJsonOption(new Command("init"))
    .description("create a project: a template, its handlers, a test, worker.toml, package.json, README")
    .argument("<dir>", "the new project's folder (its name names the package and the namespace)")
    .option(
      "--namespace <namespace>",
      "the template's namespace (default: from the folder name, my-app -> my_app)",
    )
    .option(
      "--engine <spec>",
      "how package.json depends on @tasker-ts/tasker (default: this engine's version, or file: this checkout)",
    )
    .option("--force", "write into a folder that is not empty, replacing files of the same name")
    .addHelpText(
      "after",
      `
Examples:
  $ tasker-ctl init my-app && cd my-app && npm install && npm test`,
    )
    .action((dir: string, options: InitOptions) => {
      const out = ctx.output(options);
      const root = resolve(dir);
      if (existsSync(root) && readdirSync(root).length > 0 && !options.force) {
        throw usageError(
          `${dir} exists and is not empty; pick a new folder, or pass --force to write into it`,
        );
      }
      let names: { name: string; namespace: string };
      try {
        names = projectNames(root);
      } catch (err) {
        throw usageError((err as Error).message);
      }
      const namespace = options.namespace ?? names.namespace;
      if (!/^[A-Za-z0-9_]{1,29}$/.test(namespace)) {
        throw usageError(`--namespace "${namespace}" must be 1-29 characters of letters, digits and _`);
      }
      const pkg = JSON.parse(readFileSync(join(ENGINE_DIR, "package.json"), "utf8")) as {
        version: string;
        dependencies: Record<string, string>;
      };
      const files = projectFiles({
        name: names.name,
        namespace,
        engineSpec: options.engine ?? defaultEngineSpec(pkg),
        versions: {
          zod: pkg.dependencies.zod ?? "^4.0.0",
          tsx: pkg.dependencies.tsx ?? "^4.0.0",
          vitest: "^4.1.0",
        },
      }).map((f) => ({ path: join(root, f.path), content: f.content }));
      writeGeneratedFiles(files, options.force === true);
      const shown = relative(process.cwd(), root) || ".";
      const engineSpec = options.engine ?? defaultEngineSpec(pkg);
      // A checkout's package runs from dist/ once installed elsewhere: it must be built first.
      const local = engineSpec.startsWith("file:") ? resolve(engineSpec.slice(5)) : undefined;
      const unbuilt = local !== undefined && !existsSync(join(local, "dist", "index.js"));
      out.result(
        { dir: root, name: names.name, namespace, engine: engineSpec, files: files.map((f) => f.path) },
        () => {
          for (const f of files) out.line(`created ${relative(process.cwd(), f.path)}`);
          out.line("");
          if (unbuilt)
            out.line(`first build the engine it installs from ${local}: (cd ${local} && npm run build)`);
          out.line(`next: cd ${shown} && npm install && npm test`);
        },
      );
    });
}
