import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { TemplateValidationError } from "./errors.js";
import { loadTemplateFile, loadTemplates, parseTemplate, parseTemplateObject } from "./load.js";
import { templateKey } from "./template-key.js";

const fixtures = fileURLToPath(new URL("../../test/fixtures/templates/", import.meta.url));
const read = (name: string) => readFileSync(join(fixtures, name), "utf8");

/** The error a fixture produces, parsed under its bare file name so messages are predictable. */
function errorOf(name: string): TemplateValidationError {
  const file = name.split("/").pop()!;
  try {
    parseTemplate(read(name), file);
  } catch (error) {
    if (error instanceof TemplateValidationError) return error;
    throw error;
  }
  throw new Error(`${name} was expected to be invalid`);
}

describe("parseTemplate: one rule per invalid fixture", () => {
  // Every line names the file, the step when there is one, and the key.
  it.each([
    [
      "duplicate-step-names.yaml",
      'duplicate-step-names.yaml: step "charge": name: duplicate step name (steps #1 and #2 use it); step names must be unique, rename one',
    ],
    [
      "unknown-dependency.yaml",
      'unknown-dependency.yaml: step "process_payment": dependencies: unknown step "validate_inventroy" (did you mean "validate_inventory"?)',
    ],
    [
      "unknown-alias-dependency.yaml",
      'unknown-alias-dependency.yaml: step "merge": depends_on: unknown step "fetc" (did you mean "fetch"?)',
    ],
    [
      "self-dependency.yaml",
      'self-dependency.yaml: step "loop": dependencies: a step cannot depend on itself; remove "loop" from its dependencies',
    ],
    [
      "cycle.yaml",
      'cycle.yaml: step "a": dependencies: dependency cycle: a -> b -> c -> a; remove one of these dependencies',
    ],
    [
      "bad-template-name.yaml",
      'bad-template-name.yaml: name: template name must be lowercase snake_case (a letter, then letters, digits or _), e.g. order_processing (got "OrderProcessing")',
    ],
    [
      "bad-namespace.yaml",
      'bad-namespace.yaml: namespace_name: must be 1-29 characters of letters, digits and _, e.g. ecommerce (got "team-a")',
    ],
    [
      "long-namespace.yaml",
      'long-namespace.yaml: namespace_name: must be 1-29 characters of letters, digits and _, e.g. ecommerce (got "a_namespace_name_that_is_far_too_long")',
    ],
    [
      "numeric-version.yaml",
      'numeric-version.yaml: version: must be a semver string like "1.0.0"; YAML read 1 as a number, so quote it (version: "1.0.0")',
    ],
    [
      "not-semver.yaml",
      'not-semver.yaml: version: must be a semver version like "1.0.0" or "2.1.0-beta.1" (got "v1")',
    ],
    ["no-steps.yaml", "no-steps.yaml: steps: a template needs at least one step"],
    ["missing-steps.yaml", "missing-steps.yaml: steps: is required (expected a list)"],
    [
      "decision-without-parent.yaml",
      'decision-without-parent.yaml: step "route_order": dependencies: a decision step needs at least one parent (it decides from their results); add dependencies, e.g. a step that gathers what the decision needs',
    ],
    [
      "batch-worker-as-step.yaml",
      'batch-worker-as-step.yaml: step "report": dependencies: "process_batch" is a batch_worker, a template of the instances its batchable step creates at run time, not a step of its own; only a deferred_convergence step can depend on it (and then waits for every instance)',
    ],
    [
      "invalid-step-type.yaml",
      'invalid-step-type.yaml: step "route_order": type: must be one of "standard", "decision", "deferred_convergence", "batchable", "batch_worker", got "fancy"',
    ],
    [
      "bad-step-name.yaml",
      'bad-step-name.yaml: step "Process Payment": name: step name must be lowercase snake_case (a letter, then letters, digits or _), e.g. process_payment (got "Process Payment")',
    ],
    [
      "missing-handler.yaml",
      'missing-handler.yaml: step "charge": handler: is required: name the handler that runs this step, e.g. handler: { callable: ecommerce.process_payment }',
    ],
    [
      "empty-callable.yaml",
      'empty-callable.yaml: step "charge": handler.callable: must name the registered handler, e.g. ecommerce.process_payment',
    ],
    [
      "both-dependency-keys.yaml",
      'both-dependency-keys.yaml: step "second": depends_on: use either dependencies or depends_on (an alias), not both; move the names into dependencies',
    ],
    [
      "dependencies-not-a-list.yaml",
      'dependencies-not-a-list.yaml: step "second": dependencies: expected a list, got "first"',
    ],
    [
      "max-attempts-zero.yaml",
      'max-attempts-zero.yaml: step "charge": retry.max_attempts: must be >= 1, got 0',
    ],
    [
      "max-attempts-too-many.yaml",
      'max-attempts-too-many.yaml: step "charge": retry.max_attempts: must be <= 100, got 101',
    ],
    [
      "bad-backoff.yaml",
      'bad-backoff.yaml: step "charge": retry.backoff: must be one of "exponential", "linear", got "random"',
    ],
    [
      "backoff-bounds.yaml",
      'backoff-bounds.yaml: step "charge": retry.max_backoff_ms: must be >= backoff_base_ms; raise max_backoff_ms or lower backoff_base_ms',
    ],
    [
      "retryable-not-boolean.yaml",
      'retryable-not-boolean.yaml: step "charge": retry.retryable: expected true or false, got "sometimes"',
    ],
    ["bad-timeout.yaml", 'bad-timeout.yaml: step "charge": timeout_seconds: expected a number, got "30s"'],
    ["negative-timeout.yaml", 'negative-timeout.yaml: step "charge": timeout_seconds: must be > 0, got -5'],
    [
      "invalid-input-schema.yaml",
      'invalid-input-schema.yaml: input_schema: not a valid JSON Schema: properties.amount.type: must be one of "array", "boolean", "integer", "null", "number", "object", "string"',
    ],
    [
      "invalid-result-schema.yaml",
      'invalid-result-schema.yaml: step "charge": result_schema: not a valid JSON Schema: required: must be array',
    ],
    [
      "unknown-environment-step.yaml",
      'unknown-environment-step.yaml: step "proces_payment": environments.test.steps: unknown step "proces_payment" (did you mean "process_payment"?)',
    ],
    [
      "bad-environment-override.yaml",
      'bad-environment-override.yaml: step "process_payment": environments.test.retry.max_attempts: expected a number, got "many"',
    ],
    [
      "environment-backoff-bounds.yaml",
      'environment-backoff-bounds.yaml: step "process_payment": environments.test.retry.max_backoff_ms: is 10 once the override applies, below backoff_base_ms 1000; raise max_backoff_ms or lower backoff_base_ms',
    ],
    [
      "duplicate-yaml-key.yaml",
      "duplicate-yaml-key.yaml: YAML syntax error: Map keys must be unique at line 4, column 1",
    ],
    ["empty.yaml", "empty.yaml: the file is empty; a template needs name, namespace_name, version and steps"],
    [
      "not-a-mapping.yaml",
      "not-a-mapping.yaml: a template must be a mapping (name:, namespace_name:, version:, steps:)",
    ],
  ])("%s", (name, expected) => {
    const error = errorOf(`invalid/${name}`);
    expect(error.message).toBe(expected);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.file).toBe(name);
  });

  it("reports YAML syntax errors with line and column", async () => {
    // Written at test time: a broken YAML fixture would also break the repository's linter.
    const dir = mkdtempSync(join(tmpdir(), "tasker-syntax-"));
    const file = join(dir, "syntax.yaml");
    writeFileSync(file, "name: broken\nsteps:\n  - name: charge\n    handler: { callable: x.charge\n");
    try {
      await expect(loadTemplateFile(file)).rejects.toThrow(
        `${file}: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a } at line 5, column 1`,
      );
      expect(() => parseTemplate("name: a\n  bad: : x\n", "inline.yaml")).toThrow(
        /^inline\.yaml: YAML syntax error: .* at line 1, column 7$/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives structured issues: file, step, key, message", () => {
    expect(errorOf("invalid/unknown-dependency.yaml").issues).toEqual([
      {
        file: "unknown-dependency.yaml",
        step: "process_payment",
        key: "dependencies",
        message: 'unknown step "validate_inventroy" (did you mean "validate_inventory"?)',
      },
    ]);
  });

  it("reports every problem of a file at once, one per line", () => {
    const yaml = `
name: Bad
namespace_name: ok
version: "1.0.0"
steps:
  - name: a
    handler: { callable: x.a }
    retry: { max_attempts: 0 }
  - name: b
    handler: { callable: x.b }
    dependencies: [aa, b]
`;
    expect(() => parseTemplate(yaml, "many.yaml")).toThrow(TemplateValidationError);
    try {
      parseTemplate(yaml, "many.yaml");
    } catch (error) {
      expect((error as Error).message.split("\n")).toEqual([
        'many.yaml: name: template name must be lowercase snake_case (a letter, then letters, digits or _), e.g. order_processing (got "Bad")',
        'many.yaml: step "a": retry.max_attempts: must be >= 1, got 0',
        'many.yaml: step "b": dependencies: unknown step "aa" (did you mean "a"?)',
        'many.yaml: step "b": dependencies: a step cannot depend on itself; remove "b" from its dependencies',
      ]);
    }
  });
});

describe("parseTemplate: valid templates", () => {
  it("parses the linear fixture with defaults filled", () => {
    const { template, warnings } = parseTemplate(read("linear.yaml"), "linear.yaml");
    expect(warnings).toEqual([]);
    expect(templateKey(template)).toBe("ecommerce/order_processing/1.0.0");
    expect(template.steps.map((s) => s.name)).toEqual([
      "validate_inventory",
      "process_payment",
      "update_inventory",
      "send_confirmation",
      "generate_invoice",
    ]);
    expect(template.steps[1]).toMatchObject({
      dependencies: ["validate_inventory"],
      retry: {
        retryable: true,
        max_attempts: 5,
        backoff: "exponential",
        backoff_base_ms: 500,
        max_backoff_ms: 10000,
      },
      timeout_seconds: 30,
      handler: {
        callable: "ecommerce.process_payment",
        initialization: { gateway: "simulated", currency: "USD" },
      },
    });
    expect(template.steps[3]?.retry.retryable).toBe(false);
    expect(template.steps[4]?.timeout_seconds).toBe(300);
    expect(template.metadata).toEqual({ author: "tasker-ts", tags: ["ecommerce", "linear"] });
  });

  it("normalises the depends_on alias (diamond fixture)", () => {
    const { template } = parseTemplate(read("diamond.yaml"), "diamond.yaml");
    expect(template.steps.map((s) => [s.name, s.dependencies])).toEqual([
      ["validate_request", []],
      ["fetch_user_profile", ["validate_request"]],
      ["fetch_order_history", ["validate_request"]],
      ["merge_results", ["fetch_user_profile", "fetch_order_history"]],
      ["format_response", ["merge_results"]],
    ]);
    expect(template.steps[1]).not.toHaveProperty("depends_on");
  });

  it("refuses unknown keys by default, every one with a suggestion, with the file's other problems", () => {
    // Issue #28: `dependecies: [a]` only warned, exit 0, and the step ran in parallel.
    const typo = `name: t
namespace_name: ns
version: 1.0.0
steps:
  - name: a
    handler: { callable: ns.a }
  - name: b
    dependecies: [a]
    handler: { callable: ns.b }
`;
    expect(() => parseTemplate(typo, "t.yaml")).toThrow(
      't.yaml: step "b": dependecies: unknown key (did you mean "dependencies"?)',
    );
    // Unknown keys and invalid values of the same file come in one error.
    const both = `${typo.replace("version: 1.0.0", "version: one").replace("name: a\n", "name: a\n    retyr: {}\n")}`;
    const error = (() => {
      try {
        parseTemplate(both, "t.yaml");
      } catch (e) {
        return e as TemplateValidationError;
      }
      throw new Error("expected an error");
    })();
    expect(error.issues.map((i) => `${i.step ?? ""}:${i.key}`)).toEqual(
      expect.arrayContaining([":version", "a:retyr", "b:dependecies"]),
    );
    expect(() => parseTemplate(read("warnings/unknown-keys.yaml"), "unknown-keys.yaml")).toThrow(
      /descripton: unknown key \(did you mean "description"\?\)/,
    );
  });

  it("lenient: warns about unknown keys (same shape as errors) and still loads", () => {
    const { template, warnings } = parseTemplate(read("warnings/unknown-keys.yaml"), "unknown-keys.yaml", {
      lenient: true,
    });
    expect(template.steps[0]?.retry.max_attempts).toBe(3);
    expect(warnings).toEqual([
      {
        file: "unknown-keys.yaml",
        key: "descripton",
        message: 'unknown key, ignored (did you mean "description"?)',
      },
      {
        file: "unknown-keys.yaml",
        step: "only_step",
        key: "retyr",
        message: 'unknown key, ignored (did you mean "retry"?)',
      },
      {
        file: "unknown-keys.yaml",
        step: "only_step",
        key: "retry.max_attempt",
        message: 'unknown key, ignored (did you mean "max_attempts"?)',
      },
    ]);
  });

  it("accepts plain objects built in code", () => {
    const { template } = parseTemplateObject({
      name: "inline",
      namespace_name: "code",
      version: "0.1.0",
      steps: [{ name: "only", handler: { callable: "code.only" } }],
    });
    expect(template.steps[0]?.dependencies).toEqual([]);
    expect(() => parseTemplateObject({ name: "inline" })).toThrow(/<inline>: namespace_name: is required/);
  });
});

describe("loadTemplateFile", () => {
  it("applies the environment's overrides (TASKER_ENV or the option)", async () => {
    const loaded = await loadTemplateFile(join(fixtures, "linear.yaml"), { environment: "test" });
    expect(loaded.file).toBe(join(fixtures, "linear.yaml"));
    const payment = loaded.template.steps.find((s) => s.name === "process_payment")!;
    expect(payment.handler.initialization).toEqual({ gateway: "sandbox", currency: "USD" });
    expect(payment.timeout_seconds).toBe(5);
    expect(payment.retry).toMatchObject({ max_attempts: 5, backoff_base_ms: 10, max_backoff_ms: 100 });

    const plain = await loadTemplateFile(join(fixtures, "linear.yaml"), { environment: "" });
    expect(plain.template.steps[1]?.timeout_seconds).toBe(30);
  });

  it("reports a missing file as a template error", async () => {
    const missing = join(fixtures, "nope.yaml");
    await expect(loadTemplateFile(missing)).rejects.toThrow(`${missing}: cannot read the file (ENOENT)`);
  });
});

describe("loadTemplates", () => {
  const temps: string[] = [];
  afterEach(() => {
    for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("loads a directory tree: valid templates, every invalid file as an error, duplicates, warnings", async () => {
    const result = await loadTemplates([fixtures], { lenient: true });
    expect(result.templates.map((t) => templateKey(t.template)).sort()).toEqual([
      "data_pipeline/analytics_pipeline/2.1.0-beta.1",
      "duplicates/duplicated/1.0.0",
      "ecommerce/order_processing/1.0.0",
      "microservices/user_request/1.0.0",
      "warnings/with_typos/1.0.0",
    ]);
    expect(result.templates.find((t) => t.template.name === "analytics_pipeline")?.file).toBe(
      join(fixtures, "pipelines", "fan-out-fan-in.yml"),
    );

    const errorFiles = result.errors.map((e) => e.file);
    expect(errorFiles.filter((f) => f.includes(`${join(fixtures, "invalid")}/`))).toHaveLength(35);

    const duplicate = result.errors.find((e) => e.file === join(fixtures, "duplicates", "second.yaml"));
    expect(duplicate?.message).toBe(
      `${join(fixtures, "duplicates", "second.yaml")}: version: template duplicates/duplicated/1.0.0 is already defined in ${join(fixtures, "duplicates", "first.yaml")}; each namespace_name/name/version must be defined once (bump the version or remove one file)`,
    );
    expect(result.errors).toHaveLength(36);
    expect(result.warnings.map((w) => w.key)).toEqual(["descripton", "retyr", "retry.max_attempt"]);
  });

  it("accepts single files, loads a file reached twice only once, and reports missing paths", async () => {
    const linear = join(fixtures, "linear.yaml");
    const missing = join(fixtures, "does-not-exist");
    const result = await loadTemplates([linear, linear, join(fixtures, "diamond.yaml"), missing]);
    expect(result.templates.map((t) => t.template.name)).toEqual(["order_processing", "user_request"]);
    expect(result.errors.map((e) => e.message)).toEqual([
      `${missing}: template search path cannot be read (ENOENT); check TASKER_TEMPLATE_PATH or common.task_templates.search_paths`,
    ]);
  });

  it("skips hidden folders and node_modules, ignores non-YAML files and survives symlink loops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasker-templates-"));
    temps.push(dir);
    const valid = read("diamond.yaml");
    writeFileSync(join(dir, "diamond.yaml"), valid);
    writeFileSync(join(dir, "README.md"), "# not a template");
    for (const hidden of [".git", "node_modules"]) {
      const sub = join(dir, hidden);
      mkdirSync(sub);
      writeFileSync(join(sub, "broken.yaml"), "name: [");
    }
    symlinkSync(dir, join(dir, "loop"));
    const result = await loadTemplates([dir]);
    expect(result.errors).toEqual([]);
    expect(result.templates.map((t) => t.template.name)).toEqual(["user_request"]);
  });

  it("returns nothing for no search paths", async () => {
    expect(await loadTemplates([])).toEqual({ templates: [], errors: [], warnings: [] });
  });
});
