import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { validateDag } from "./dag.js";
import { dottedPath } from "./dotted-path.js";
import { environmentIssues, resolveEnvironment } from "./environments.js";
import { type TemplateIssue, TemplateValidationError } from "./errors.js";
import { compileJsonSchema } from "./input-schema.js";
import { friendlyIssueMessage } from "./issue-messages.js";
import { type TaskTemplate, TaskTemplateSchema } from "./schema.js";
import { DEFAULT_SHAPE_LIMITS, type ShapeLimits, shapeIssues } from "./shape-rules.js";
import { templateKey } from "./template-key.js";
import { findUnknownKeys } from "./unknown-keys.js";

/** A validated template and its warnings. */
export interface ParsedTemplate {
  template: TaskTemplate;
  /** Non-fatal findings (unknown keys, YAML warnings), same shape as errors. */
  warnings: TemplateIssue[];
}

/** A template loaded from a file. */
export interface LoadedTemplate extends ParsedTemplate {
  file: string;
}

/** What {@link loadTemplates} found: the valid templates, one error per unusable file, the warnings. */
export interface LoadTemplatesResult {
  templates: LoadedTemplate[];
  /** One error per file that could not be used (every problem of that file in `issues`). */
  errors: TemplateValidationError[];
  warnings: TemplateIssue[];
}

/** Options of {@link loadTemplates} and {@link loadTemplateFile}. */
export interface LoadOptions extends ParseOptions {
  /** Environment whose overrides are applied (default TASKER_ENV; "" applies none). */
  environment?: string;
}

/** Options of {@link parseTemplate} and {@link parseTemplateObject}. */
export interface ParseOptions {
  /**
   * Unknown keys are warnings (ignored) instead of errors. Default: TASKER_LENIENT=true, else
   * errors: a misspelt key (`dependecies:`) silently ignored changes what the workflow does.
   */
  lenient?: boolean;
  /** Limits on decisions (steps per decision, decision depth); default DEFAULT_SHAPE_LIMITS. */
  limits?: Partial<ShapeLimits>;
}

/** The default of {@link ParseOptions.lenient}: TASKER_LENIENT=true (or 1). */
export function lenientFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1)$/i.test(env.TASKER_LENIENT?.trim() ?? "");
}

/** At most this many YAML syntax errors per file: later ones are usually echoes of the first. */
const MAX_SYNTAX_ERRORS = 5;

/** Parses and validates one template's YAML. Throws TemplateValidationError listing every problem. */
export function parseTemplate(yamlText: string, file: string, options: ParseOptions = {}): ParsedTemplate {
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TemplateValidationError(
      file,
      doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => ({
        file,
        key: "",
        message: `YAML syntax error: ${firstLine(e.message)}`,
      })),
    );
  }
  const yamlWarnings = doc.warnings.map((w) => ({ file, key: "", message: `YAML: ${firstLine(w.message)}` }));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    throw new TemplateValidationError(file, [
      { file, key: "", message: `YAML error: ${firstLine((error as Error).message)}` },
    ]);
  }
  const parsed = parseTemplateObject(value, file, options);
  return { template: parsed.template, warnings: [...yamlWarnings, ...parsed.warnings] };
}

/** Validates a template given as a plain object (parsed YAML/JSON, or built in code). */
export function parseTemplateObject(
  value: unknown,
  file = "<inline>",
  options: ParseOptions = {},
): ParsedTemplate {
  const lenient = options.lenient ?? lenientFromEnv();
  if (value === null || value === undefined) {
    throw new TemplateValidationError(file, [
      {
        file,
        key: "",
        message: "the file is empty; a template needs name, namespace_name, version and steps",
      },
    ]);
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TemplateValidationError(file, [
      { file, key: "", message: "a template must be a mapping (name:, namespace_name:, version:, steps:)" },
    ]);
  }
  const raw = value as Record<string, unknown>;
  const unknown = findUnknownKeys(raw, TaskTemplateSchema).map(({ path, suggestions }) => ({
    ...locate(raw, path),
    file,
    message: `${lenient ? "unknown key, ignored" : "unknown key"}${suggestions.length ? ` (did you mean ${suggestions.map((s) => `"${s}"`).join(" or ")}?)` : lenient ? "" : "; remove it, or load with lenient (--lenient, TASKER_LENIENT=true) to ignore unknown keys"}`,
  }));
  // Every problem at once: unknown keys (errors unless lenient) with the schema's and the graph's.
  const unknownErrors = lenient ? [] : unknown;
  const warnings = lenient ? unknown : [];

  const result = TaskTemplateSchema.safeParse(raw, { error: friendlyIssueMessage });
  if (!result.success) {
    const issues = [
      ...unknownErrors,
      ...result.error.issues.map((i) => ({ ...locate(raw, i.path), file, message: i.message })),
    ];
    // Graph problems are worth reporting in the same run, when the steps are readable at all.
    const steps = readableSteps(raw.steps);
    if (steps) issues.push(...dagIssues(steps, raw, file));
    throw new TemplateValidationError(file, dedupe(issues));
  }

  const template = result.data;
  const graphIssues = dagIssues(template.steps, raw, file);
  // The shape rules walk the graph: only once it is a valid DAG.
  const shapes =
    graphIssues.length > 0
      ? []
      : shapeIssues(template.steps, { ...DEFAULT_SHAPE_LIMITS, ...options.limits }).map((i) => ({
          file,
          step: i.step,
          key: i.key,
          message: i.message,
        }));
  const issues: TemplateIssue[] = [
    ...unknownErrors,
    ...graphIssues,
    ...shapes,
    ...environmentIssues(template).map((i) => ({ ...i, file })),
    ...schemaIssues(template, file),
  ];
  if (issues.length > 0) throw new TemplateValidationError(file, issues);
  return { template, warnings };
}

function dagIssues(
  steps: { name: string; dependencies: string[] }[],
  raw: Record<string, unknown>,
  file: string,
) {
  return validateDag({ steps }).map((i) => {
    // Name the key the author actually wrote.
    const written = Array.isArray(raw.steps)
      ? (raw.steps as unknown[]).find((s) => (s as Record<string, unknown> | null)?.name === i.step)
      : undefined;
    const usesAlias =
      i.key === "dependencies" && (written as Record<string, unknown> | undefined)?.depends_on;
    return { file, step: i.step, key: usesAlias ? "depends_on" : i.key, message: i.message };
  });
}

function schemaIssues(template: TaskTemplate, file: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const check = (schema: Record<string, unknown> | undefined, key: string, step?: string) => {
    if (!schema) return;
    const compiled = compileJsonSchema(schema);
    if (compiled.ok) return;
    for (const error of compiled.errors) {
      issues.push({ file, ...(step ? { step } : {}), key, message: `not a valid JSON Schema: ${error}` });
    }
  };
  check(template.input_schema, "input_schema");
  for (const step of template.steps) check(step.result_schema, "result_schema", step.name);
  return issues;
}

/** Steps with string names and string-list dependencies, or undefined when the shape is too broken. */
function readableSteps(value: unknown): { name: string; dependencies: string[] }[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const steps: { name: string; dependencies: string[] }[] = [];
  for (const s of value) {
    if (typeof s !== "object" || s === null || typeof s.name !== "string") return undefined;
    const deps = s.dependencies ?? s.depends_on ?? [];
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === "string")) return undefined;
    steps.push({ name: s.name, dependencies: deps });
  }
  return steps;
}

/** Turns a path inside the raw document into `{step, key}`: steps are named, keys dotted. */
function locate(raw: Record<string, unknown>, path: readonly PropertyKey[]): { step?: string; key: string } {
  const [first, second, third, fourth, ...rest] = path;
  if (first === "steps" && typeof second === "number") {
    return {
      step: labelOf((raw.steps as unknown[] | undefined)?.[second], second),
      key: dottedPath(path.slice(2)),
    };
  }
  if (first === "environments" && third === "steps" && typeof fourth === "number") {
    const env = (raw.environments as Record<string, { steps?: unknown[] }> | undefined)?.[String(second)];
    const tail = rest.length > 0 ? `.${dottedPath(rest)}` : ".steps";
    return { step: labelOf(env?.steps?.[fourth], fourth), key: `environments.${String(second)}${tail}` };
  }
  return { key: dottedPath(path) };
}

function labelOf(step: unknown, index: number): string {
  const name = (step as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" && name !== "" ? name : `#${index + 1}`;
}

function dedupe(issues: TemplateIssue[]): TemplateIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.step ?? ""}\u0000${i.key}\u0000${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/:$/, "");
}

/** Reads, validates and (for `options.environment`, default TASKER_ENV) resolves one template file. */
export async function loadTemplateFile(path: string, options: LoadOptions = {}): Promise<LoadedTemplate> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new TemplateValidationError(path, [
      {
        file: path,
        key: "",
        message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`,
      },
    ]);
  }
  const parsed = parseTemplate(text, path, options);
  const environment = options.environment ?? process.env.TASKER_ENV;
  return {
    file: path,
    template: resolveEnvironment(parsed.template, environment),
    warnings: parsed.warnings,
  };
}

/**
 * Loads every template under `searchPaths` (files, or directories searched recursively for
 * *.yml / *.yaml; hidden folders and node_modules are skipped). Never throws for a bad file:
 * each one becomes an entry in `errors`, so one typo does not hide every other template.
 * Two files defining the same namespace/name/version is an error on the second one.
 */
export async function loadTemplates(
  searchPaths: readonly string[],
  options: LoadOptions = {},
): Promise<LoadTemplatesResult> {
  const result: LoadTemplatesResult = { templates: [], errors: [], warnings: [] };
  const files: string[] = [];
  const seenFiles = new Set<string>();
  for (const searchPath of searchPaths) {
    try {
      for (const file of await templateFilesUnder(searchPath)) {
        // The same file reached through two search paths (or a symlink) is loaded once.
        const real = await realpath(file);
        if (seenFiles.has(real)) continue;
        seenFiles.add(real);
        files.push(file);
      }
    } catch (error) {
      result.errors.push(
        new TemplateValidationError(searchPath, [
          {
            file: searchPath,
            key: "",
            message: `template search path cannot be read (${(error as NodeJS.ErrnoException).code ?? error}); check TASKER_TEMPLATE_PATH or common.task_templates.search_paths`,
          },
        ]),
      );
    }
  }

  const byKey = new Map<string, string>();
  for (const file of files) {
    try {
      const loaded = await loadTemplateFile(file, options);
      result.warnings.push(...loaded.warnings);
      const key = templateKey(loaded.template);
      const first = byKey.get(key);
      if (first !== undefined) {
        result.errors.push(
          new TemplateValidationError(file, [
            {
              file,
              key: "version",
              message: `template ${key} is already defined in ${first}; each namespace_name/name/version must be defined once (bump the version or remove one file)`,
            },
          ]),
        );
        continue;
      }
      byKey.set(key, file);
      result.templates.push(loaded);
    } catch (error) {
      if (!(error instanceof TemplateValidationError)) throw error;
      result.errors.push(error);
    }
  }
  return result;
}

/** Template files under a path, sorted so loading order (and duplicate reporting) is stable. */
async function templateFilesUnder(path: string, visited = new Set<string>()): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return [path];
  // A symlink pointing back up the tree must not send us round in circles.
  const real = await realpath(path);
  if (visited.has(real)) return [];
  visited.add(real);
  const files: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const child = join(path, entry.name);
    const isDirectory =
      entry.isDirectory() ||
      (entry.isSymbolicLink() && ((await stat(child).catch(() => null))?.isDirectory() ?? false));
    if (isDirectory) files.push(...(await templateFilesUnder(child, visited)));
    else if (/\.ya?ml$/i.test(entry.name)) files.push(child);
  }
  return files;
}
