// What the generated parts of the docs should contain right now, computed from the code:
// docs/api.md from the orchestration API's OpenAPI document, and the state diagrams in
// docs/architecture.md from the transition tables. generate.ts writes them; the docs tests
// fail when the committed files differ.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createApiApp,
  createLogger,
  ERROR_CODES,
  STEP_STATES,
  STEP_TERMINAL_STATES,
  STEP_TRANSITIONS,
  TASK_STATES,
  TASK_TERMINAL_STATES,
  TASK_TRANSITIONS,
  Tasker,
} from "@tasker-ts/tasker";
import { replaceGeneratedSection } from "./generated-sections.js";
import { renderApiMarkdown } from "./openapi-markdown.js";
import { stateDiagram } from "./state-diagrams.js";

export const DOCS_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface GeneratedFile {
  /** Relative to docs/. */
  path: string;
  /** What the file should contain. */
  expected: string;
}

/** The OpenAPI document exactly as a server serves it at /openapi.json. */
export async function currentOpenApiDocument(): Promise<unknown> {
  const logger = createLogger({ level: "silent" });
  const tasker = await Tasker.open({ dataDir: "memory://", logger });
  try {
    const response = await createApiApp({ tasker, logger }).request("/openapi.json");
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return await response.json();
  } finally {
    await tasker.close();
  }
}

export async function expectedApiMarkdown(): Promise<string> {
  return renderApiMarkdown(await currentOpenApiDocument(), {
    errorStatuses: ERROR_CODES,
    baseUrl: "http://localhost:8080",
  });
}

const fenced = (mermaid: string) => `\`\`\`mermaid\n${mermaid}\`\`\`\n`;

export function taskStateDiagram(): string {
  return stateDiagram(TASK_TRANSITIONS, {
    initial: "pending",
    terminal: TASK_TERMINAL_STATES,
    order: TASK_STATES,
  });
}

export function stepStateDiagram(): string {
  return stateDiagram(STEP_TRANSITIONS, {
    initial: "pending",
    terminal: STEP_TERMINAL_STATES,
    order: STEP_STATES,
  });
}

/** architecture.md with its generated sections brought up to date. */
export function expectedArchitecture(current: string): string {
  let page = replaceGeneratedSection(current, "task-states", fenced(taskStateDiagram()));
  page = replaceGeneratedSection(page, "step-states", fenced(stepStateDiagram()));
  return page;
}

export async function generatedFiles(docsDir: string = DOCS_DIR): Promise<GeneratedFile[]> {
  const architecture = readFileSync(`${docsDir}/architecture.md`, "utf8");
  return [
    { path: "api.md", expected: await expectedApiMarkdown() },
    { path: "architecture.md", expected: expectedArchitecture(architecture) },
  ];
}
