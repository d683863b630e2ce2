// What the generated parts of the docs should contain right now, computed from the code:
// docs/api.md from the orchestration API's OpenAPI document, and the state diagrams in
// docs/architecture.md from the transition tables. generate.ts writes them; the docs tests
// fail when the committed files differ.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createLogger, Tasker } from "@tasker-ts/tasker";
import { createApiApp } from "@tasker-ts/tasker/api";
import {
  ERROR_CODES,
  STEP_STATES,
  STEP_TERMINAL_STATES,
  TASK_STATES,
  TASK_TERMINAL_STATES,
} from "@tasker-ts/tasker/client";
import * as protocol from "@tasker-ts/tasker/protocol";
import { z } from "zod";
import { STEP_TRANSITIONS } from "../../packages/tasker/src/state/step-states.js";
import { TASK_TRANSITIONS } from "../../packages/tasker/src/state/task-states.js";
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

/** Each worker protocol message as JSON Schema, requests as a worker may write them. */
export function protocolSchemas(): string {
  const messages: [string, z.ZodType, "input" | "output", string][] = [
    ["RegisterWorker", protocol.RegisterWorkerSchema, "input", "POST /v1/worker/workers"],
    ["RegisteredWorker", protocol.RegisteredWorkerSchema, "output", "its answer"],
    ["ClaimRequest", protocol.ClaimRequestSchema, "input", "POST /v1/worker/workers/{worker_id}/claims"],
    ["ClaimResponse", protocol.ClaimResponseSchema, "output", "its answer (each step a ClaimedStep)"],
    ["ReportResult", protocol.ReportResultSchema, "input", "POST /v1/worker/workers/{worker_id}/results"],
    ["ReportResponse", protocol.ReportResponseSchema, "output", "its answer"],
    [
      "HeartbeatRequest",
      protocol.HeartbeatRequestSchema,
      "input",
      "POST /v1/worker/workers/{worker_id}/heartbeat",
    ],
    ["HeartbeatResponse", protocol.HeartbeatResponseSchema, "output", "its answer"],
    [
      "DeregisterResponse",
      protocol.DeregisterResponseSchema,
      "output",
      "the answer to DELETE /v1/worker/workers/{worker_id}",
    ],
    ["WorkerList", protocol.WorkerListSchema, "output", "the answer to GET /v1/worker/workers"],
  ];
  return messages
    .map(([name, schema, io, where]) => {
      const json = z.toJSONSchema(schema, { io, unrepresentable: "any" });
      return `### ${name}\n\n${where}.\n\n\`\`\`json\n${JSON.stringify(json, null, 2)}\n\`\`\`\n`;
    })
    .join("\n");
}

/** worker-protocol.md with its message schemas brought up to date. */
export function expectedWorkerProtocol(current: string): string {
  return replaceGeneratedSection(current, "protocol-schemas", protocolSchemas());
}

export async function generatedFiles(docsDir: string = DOCS_DIR): Promise<GeneratedFile[]> {
  const architecture = readFileSync(`${docsDir}/architecture.md`, "utf8");
  const workerProtocol = readFileSync(`${docsDir}/worker-protocol.md`, "utf8");
  return [
    { path: "api.md", expected: await expectedApiMarkdown() },
    { path: "architecture.md", expected: expectedArchitecture(architecture) },
    { path: "worker-protocol.md", expected: expectedWorkerProtocol(workerProtocol) },
  ];
}
