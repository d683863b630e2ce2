import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, PACKAGE_DIR, runCli, runCliJson } from "./support/cli-process.js";

const SHARED = join(PACKAGE_DIR, "test/fixtures/templates");
const pipeline = join(FIXTURES, "templates/pipeline.yaml");

describe("tasker-ctl template", { timeout: 180_000 }, () => {
  it("validate accepts good templates (exit 0) and reports each one", async () => {
    const { code, stdout } = await runCli([
      "template",
      "validate",
      join(FIXTURES, "templates"),
      join(SHARED, "linear.yaml"),
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok +\S*pipeline\.yaml: cli_demo\/pipeline@1\.0\.0 \(3 steps\)$/m);
    expect(stdout).toMatch(/^ok +\S*linear\.yaml: ecommerce\/order_processing@1\.0\.0 \(5 steps\)$/m);
    expect(stdout).toContain("3 valid templates, 0 invalid files; 0 errors, 0 warnings");
  });

  it("validate exits 2 and prints the cycle and unknown dependencies with file, step and key", async () => {
    const { code, stdout } = await runCli([
      "template",
      "validate",
      join(SHARED, "invalid/cycle.yaml"),
      join(SHARED, "invalid/unknown-dependency.yaml"),
      pipeline,
    ]);
    expect(code).toBe(2);
    expect(stdout).toMatch(
      /^error +\S*invalid\/cycle\.yaml: step "a": dependencies: dependency cycle: a -> b -> c -> a; remove one of these dependencies$/m,
    );
    expect(stdout).toMatch(
      /^error +\S*unknown-dependency\.yaml: step "process_payment": dependencies: unknown step "validate_inventroy" \(did you mean "validate_inventory"\?\)$/m,
    );
    expect(stdout).toMatch(/^ok +\S*pipeline\.yaml/m);
    expect(stdout).toContain("1 valid template, 2 invalid files; 2 errors, 0 warnings");
  });

  it("validate refuses unknown keys (exit 2) naming the closest key", async () => {
    const { code, stdout } = await runCli(["template", "validate", join(SHARED, "warnings")]);
    expect(code).toBe(2);
    expect(stdout).toMatch(
      /^error +\S*unknown-keys\.yaml: step "only_step": retyr: unknown key \(did you mean "retry"\?\)$/m,
    );
    expect(stdout).toContain("0 valid templates, 1 invalid file; 3 errors, 0 warnings");
  });

  it("validate --lenient prints warnings for unknown keys without failing, and --json carries everything", async () => {
    const { code, json } = await runCliJson<{
      valid: boolean;
      errors: unknown[];
      warnings: { file: string; step?: string; key: string; message: string }[];
    }>(["template", "validate", "--lenient", join(SHARED, "warnings")]);
    expect(code).toBe(0);
    expect(json.valid).toBe(true);
    expect(json.errors).toEqual([]);
    expect(json.warnings).toContainEqual(
      expect.objectContaining({
        step: "only_step",
        key: "retyr",
        message: expect.stringContaining('did you mean "retry"'),
      }),
    );
  });

  it("validate --json on a bad template lists the issues and exits 2", async () => {
    const { code, json } = await runCliJson<{ valid: boolean; errors: { step?: string; key: string }[] }>([
      "template",
      "validate",
      join(SHARED, "invalid/cycle.yaml"),
    ]);
    expect(code).toBe(2);
    expect(json.valid).toBe(false);
    expect(json.errors).toEqual([expect.objectContaining({ step: "a", key: "dependencies" })]);
  });

  it("validate exits 2 when there is nothing to validate, naming the path", async () => {
    const [missing, none] = await Promise.all([
      runCli(["template", "validate", join(FIXTURES, "no-such-dir")]),
      runCli(["template", "validate"]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/no-such-dir: template search path cannot be read \(ENOENT\)/);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("name template files or directories, or set TASKER_TEMPLATE_PATH");
  });

  it("list shows local templates from TASKER_TEMPLATE_PATH, and warns about invalid files", async () => {
    const [listed, mixed] = await Promise.all([
      runCli(["template", "list"], { env: { TASKER_TEMPLATE_PATH: join(FIXTURES, "templates") } }),
      runCli(["template", "list", pipeline, join(SHARED, "invalid/cycle.yaml")]),
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAMESPACE +NAME +VERSION +STEPS +FILE$/m);
    expect(listed.stdout).toMatch(/^cli_demo +pipeline +1\.0\.0 +3 +\S+pipeline\.yaml$/m);
    expect(listed.stdout).toMatch(/^cli_demo +slow +1\.0\.0 +1 +\S+slow\.yaml$/m);
    expect(mixed.code).toBe(0);
    expect(mixed.stderr).toMatch(
      /warning: skipped \S+cycle\.yaml \(1 error; see `tasker-ctl template validate/,
    );
  });

  it("visualize prints a Mermaid flowchart with an edge per dependency", async () => {
    const [text, markdown] = await Promise.all([
      runCli(["template", "visualize", join(SHARED, "diamond.yaml")]),
      runCli(["template", "visualize", pipeline, "--markdown"]),
    ]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toBe("flowchart TD");
    expect(lines).toContain("  validate_request --> fetch_user_profile");
    expect(lines).toContain("  fetch_order_history --> merge_results");
    expect(lines.filter((l) => l.includes("-->"))).toHaveLength(5);
    expect(markdown.stdout).toMatch(
      /^```mermaid\nflowchart TD\n[\s\S]* {2}prepare --> double\n[\s\S]*```\n$/,
    );
  });

  it("visualize draws a decision's possible branches dotted, each step type in its shape, with a legend", async () => {
    const refunds = join(PACKAGE_DIR, "../../examples/hono-app/templates/approvals/refund_approval.yaml");
    const imports = join(PACKAGE_DIR, "../../examples/hono-app/templates/imports/sales_import.yaml");
    const [approval, batches] = await Promise.all([
      runCli(["template", "visualize", refunds]),
      runCli(["template", "visualize", imports]),
    ]);
    expect(approval.code).toBe(0);
    const lines = approval.stdout.split("\n");
    expect(lines).toContain('  route_refund{"route_refund"}');
    expect(lines).toContain("  validate_refund --> route_refund");
    expect(lines).toContain("  route_refund -.-> auto_approve");
    expect(lines).toContain("  route_refund -.-> manager_approval");
    expect(lines).toContain('  record_outcome(["record_outcome"])');
    expect(lines).toContain("  manager_approval -.-> record_outcome");
    expect(lines).toContain('  subgraph Legend["Legend"]');
    expect(batches.code).toBe(0);
    expect(batches.stdout).toContain('  plan_import[["plan_import"]]');
    expect(batches.stdout).toContain('  import_batch[/"import_batch<br/><i>N instances</i>"/]');
    expect(batches.stdout).toContain("  import_batch -.-> summarize_import");
  });

  it("visualize exits 2 on an invalid template and on a missing argument", async () => {
    const [invalid, nothing] = await Promise.all([
      runCli(["template", "visualize", join(SHARED, "invalid/cycle.yaml")]),
      runCli(["template", "visualize"]),
    ]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('step "a": dependencies: dependency cycle: a -> b -> c -> a');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("name a template file, or pass --task <uuid>");
  });
});
