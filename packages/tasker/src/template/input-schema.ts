import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { TaskTemplate } from "./schema.js";
import { templateKey } from "./template-key.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule.default;

/** One reason a value does not match a JSON Schema. */
export interface DataIssue {
  /** Dotted path to the offending value, e.g. `items.0.sku`; "" for the value itself. */
  path: string;
  message: string;
}

/** The outcome of checking a value against a template's JSON Schema. */
export type DataValidationResult = { ok: true } | { ok: false; issues: DataIssue[] };

type AnyAjv = Ajv | Ajv2019 | Ajv2020;
const instances = new Map<string, AnyAjv>();

/** One ajv per draft: templates may declare `$schema` for 2019-09 or 2020-12; draft-07 otherwise. */
function ajvFor(schema: Record<string, unknown>): AnyAjv {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  const draft = declared.includes("2020-12") ? "2020-12" : declared.includes("2019-09") ? "2019-09" : "07";
  let ajv = instances.get(draft);
  if (!ajv) {
    // strict: false tolerates annotation keywords editors add (x-*, $comment in odd places);
    // the meta-schema still rejects real mistakes such as `type: strng`.
    const options = { allErrors: true, strict: false };
    ajv =
      draft === "2020-12"
        ? new Ajv2020(options)
        : draft === "2019-09"
          ? new Ajv2019(options)
          : new Ajv(options);
    addFormats(ajv);
    instances.set(draft, ajv);
  }
  return ajv;
}

/**
 * Compiles a JSON Schema, or returns why it is not one (used at template load time so a broken
 * `input_schema` is a template error, not a failure on the first task).
 */
export function compileJsonSchema(
  schema: Record<string, unknown>,
): { ok: true; validate: ValidateFunction } | { ok: false; errors: string[] } {
  // ajv's compile generates and evaluates code (tens of ms a schema): loading a template, loading
  // it again (a worker's start) and its first task share one compile.
  const serialized = JSON.stringify(schema);
  const known = compiledSchemas.get(serialized);
  if (known) return known;
  const result = compileUncached(schema);
  compiledSchemas.set(serialized, result);
  return result;
}

const compiledSchemas = new Map<
  string,
  { ok: true; validate: ValidateFunction } | { ok: false; errors: string[] }
>();

function compileUncached(
  schema: Record<string, unknown>,
): { ok: true; validate: ValidateFunction } | { ok: false; errors: string[] } {
  const ajv = ajvFor(schema);
  try {
    return { ok: true, validate: ajv.compile(schema) };
  } catch (error) {
    const detail = ajv.errors?.length ? describeErrors(ajv.errors) : [(error as Error).message];
    return { ok: false, errors: [...new Set(detail)] };
  }
}

function describeErrors(errors: ErrorObject[]): string[] {
  // "must match a schema in anyOf" only repeats the specific errors that precede it.
  // Alternatives of one anyOf each report the same spot; the first says enough.
  const specific = errors.filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf");
  const firstPerPath = new Map<string, DataIssue>();
  for (const issue of (specific.length > 0 ? specific : errors).map(toDataIssue)) {
    if (!firstPerPath.has(issue.path)) firstPerPath.set(issue.path, issue);
  }
  return [...firstPerPath.values()].map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
}

interface CachedValidator {
  serialized: string;
  validate: ValidateFunction;
}
const cache = new Map<string, CachedValidator>();

function cachedValidator(cacheKey: string, schema: Record<string, unknown>, what: string): ValidateFunction {
  // The key alone is not enough in long-lived processes and tests that redefine a template
  // version, so the schema text is compared too.
  const serialized = JSON.stringify(schema);
  const hit = cache.get(cacheKey);
  if (hit && hit.serialized === serialized) return hit.validate;
  const compiled = compileJsonSchema(schema);
  if (!compiled.ok)
    throw new Error(`${what} of ${cacheKey} is not a valid JSON Schema: ${compiled.errors.join("; ")}`);
  cache.set(cacheKey, { serialized, validate: compiled.validate });
  return compiled.validate;
}

/** Checks a task context against the template's `input_schema` (always ok when there is none). */
export function validateTaskContext(template: TaskTemplate, context: unknown): DataValidationResult {
  if (!template.input_schema) return { ok: true };
  const validate = cachedValidator(templateKey(template), template.input_schema, "input_schema");
  return run(validate, context);
}

/** Checks a step's result against its `result_schema` (always ok when there is none). */
export function validateStepResult(
  template: TaskTemplate,
  stepName: string,
  result: unknown,
): DataValidationResult {
  const step = template.steps.find((s) => s.name === stepName);
  if (!step) throw new Error(`template ${templateKey(template)} has no step "${stepName}"`);
  if (!step.result_schema) return { ok: true };
  const validate = cachedValidator(
    `${templateKey(template)}#${stepName}`,
    step.result_schema,
    `result_schema of step "${stepName}"`,
  );
  return run(validate, result);
}

function run(validate: ValidateFunction, data: unknown): DataValidationResult {
  if (validate(data)) return { ok: true };
  const issues = (validate.errors ?? []).map(toDataIssue);
  const unique = new Map(issues.map((i) => [`${i.path}\u0000${i.message}`, i]));
  return { ok: false, issues: [...unique.values()] };
}

function toDataIssue(e: ErrorObject): DataIssue {
  const base = pointerToPath(e.instancePath);
  const join = (child: string) => (base ? `${base}.${child}` : child);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { path: join(String(params.missingProperty)), message: "is required" };
    case "additionalProperties":
      return {
        path: join(String(params.additionalProperty)),
        message: "is not allowed (not a property of the input schema)",
      };
    case "enum":
      return {
        path: base,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "format":
      return { path: base, message: `must be a valid ${String(params.format)}` };
    default:
      return { path: base, message: e.message ?? "is invalid" };
  }
}

/** `/items/0/sku` -> `items.0.sku` (JSON Pointer escapes undone). */
function pointerToPath(pointer: string): string {
  if (!pointer) return "";
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}
