// The pages say what the code does: generated pages are current, examples are valid, every key
// and variable of the formats is documented, and every relative link leads somewhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  defaultConfig,
  parseConfigText,
  parseTemplate,
  TemplateValidationError,
  taskTemplateJsonSchema,
} from "@tasker-ts/tasker";
import { authConfigFromToml } from "@tasker-ts/tasker/api";
import { describe, expect, it } from "vitest";
import { ENV_OVERRIDE_VARIABLES } from "../../packages/tasker/src/config/env-overrides.js";
import { DOCS_DIR, generatedFiles } from "../scripts/generated-docs.js";
import { headingAnchor } from "../scripts/openapi-markdown.js";
import { codeBlocks } from "./support/markdown-blocks.js";
import { REPO_ROOT } from "./support/temp-repo.js";

const page = (name: string) => readFileSync(join(DOCS_DIR, name), "utf8");

/** Every Markdown file of the docs, plus the READMEs they send readers to. */
function markdownFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (["reference", "node_modules", ".generated"].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  walk(DOCS_DIR);
  return [...files, join(REPO_ROOT, "examples/shared/README.md")];
}

/** Keys of a JSON Schema's object properties, recursively (`steps[].retry.backoff` -> retry, backoff). */
function schemaKeys(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) schemaKeys(item, found);
  } else if (schema !== null && typeof schema === "object") {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "properties" && value && typeof value === "object") {
        for (const name of Object.keys(value)) found.add(name);
      }
      schemaKeys(value, found);
    }
  }
  return found;
}

/** Dotted paths of every leaf setting (`common.queues.rabbitmq.url`). */
function configKeys(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => configKeys(v, prefix ? `${prefix}.${k}` : k));
}

describe("generated pages", () => {
  it("api.md and the state diagrams in architecture.md match the code (run `npm run docs` if not)", async () => {
    for (const file of await generatedFiles()) {
      const actual = readFileSync(join(DOCS_DIR, file.path), "utf8");
      if (actual !== file.expected) {
        const a = actual.split("\n");
        const e = file.expected.split("\n");
        const line = a.findIndex((l, i) => l !== e[i]);
        throw new Error(
          `docs/${file.path} is out of date; run \`npm run docs\` and commit it. First difference at line ${line + 1}:\n  committed: ${a[line]}\n  expected:  ${e[line]}`,
        );
      }
    }
  });
});

describe("docs/templates.md", () => {
  const text = page("templates.md");
  const examples = codeBlocks(text).filter((b) => b.attrs.template);

  it("has linear, diamond and fan-out examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  for (const block of examples) {
    it(`example at line ${block.line} is a valid template`, () => {
      try {
        const { warnings } = parseTemplate(block.code, `docs/templates.md:${block.line}`);
        expect(warnings).toEqual([]);
      } catch (error) {
        if (error instanceof TemplateValidationError) throw new Error(error.message);
        throw error;
      }
    });
  }

  it("documents every key of the template format", () => {
    const keys = [...schemaKeys(taskTemplateJsonSchema())];
    // Written alone (`retry`), or as part of a dotted key (`handler.callable`, `retry.backoff`).
    const missing = keys.filter(
      (k) => ![`\`${k}\``, `\`${k}.`, `.${k}\``].some((form) => text.includes(form)),
    );
    expect(missing, "keys of the JSON Schema not mentioned in docs/templates.md").toEqual([]);
  });

  it("points at the published JSON Schema file", () => {
    expect(existsSync(join(REPO_ROOT, "packages/tasker/schema/task-template.schema.json"))).toBe(true);
    expect(text).toContain("packages/tasker/schema/task-template.schema.json");
  });
});

describe("docs/configuration.md", () => {
  const text = page("configuration.md");

  it("documents every worker.toml key", () => {
    const keys = configKeys(defaultConfig());
    // Keys are listed per section: `[common.queues]` then `rabbitmq.url`.
    const missing = keys.filter((key) => {
      const parts = key.split(".");
      return !parts.some((_, i) => {
        const section = parts.slice(0, i).join(".");
        const rest = parts.slice(i).join(".");
        return (i === 0 || text.includes(`\`[${section}]\``)) && text.includes(`| \`${rest}\``);
      });
    });
    expect(missing, "settings not documented in docs/configuration.md").toEqual([]);
  });

  it("documents every environment variable that overrides the file", () => {
    const missing = ENV_OVERRIDE_VARIABLES.filter((v) => !text.includes(`\`${v}\``));
    expect(missing).toEqual([]);
  });

  it("shows TOML that both the config loader and the orchestration server accept", () => {
    const blocks = codeBlocks(text).filter((b) => b.lang === "toml");
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const env = { TASKER_OPS_API_KEY: "a".repeat(32), TASKER_METRICS_API_KEY: "b".repeat(32) };
      const source = `docs/configuration.md:${block.line}`;
      expect(() => parseConfigText(block.code, source, { env })).not.toThrow();
      expect(() => authConfigFromToml(block.code, source, env)).not.toThrow();
    }
  });
});

describe("links", () => {
  for (const file of markdownFiles()) {
    it(`${relative(REPO_ROOT, file)} links only to files and headings that exist`, () => {
      const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^(https?:|mailto:)/.test(target)) continue;
        const [path, anchor] = target.split("#");
        const resolved = path ? resolve(dirname(file), path) : file;
        if (!existsSync(resolved)) {
          broken.push(`${target} (no such file)`);
          continue;
        }
        if (anchor && resolved.endsWith(".md")) {
          const headings = readFileSync(resolved, "utf8")
            .split("\n")
            .filter((l) => /^#{1,6} /.test(l))
            .map((l) => headingAnchor(l.replace(/^#+ /, "")));
          if (!headings.includes(anchor)) broken.push(`${target} (no such heading)`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
