import { z } from "zod";
import type { OrchestrationMessage, StepMessage } from "./queue-names.js";

// Queue messages cross a process boundary (and anyone with database access can write one), so
// consumers check their shape first. A malformed message can never succeed: it is dropped and
// logged, not redelivered after every visibility timeout for ever.

const Uuid = z.guid({ error: "must be a UUID" });

export const StepMessageSchema = z.object({
  task_uuid: Uuid,
  step_uuid: Uuid,
  correlation_id: z.string().default(""),
});

export const OrchestrationMessageSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("step_result"),
    task_uuid: Uuid,
    step_uuid: Uuid,
    correlation_id: z.string().default(""),
  }),
  z.object({
    kind: z.literal("evaluate_task"),
    task_uuid: Uuid,
    correlation_id: z.string().default(""),
    reason: z.string().default("unspecified"),
  }),
]);

export type MessageCheck<T> = { ok: true; message: T } | { ok: false; problem: string; preview: string };

function check<T>(schema: z.ZodType<T>, raw: unknown): MessageCheck<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const problem = parsed.error.issues
    .map((i) => `${i.path.join(".") || "(message)"}: ${i.message}`)
    .join("; ");
  return { ok: false, problem, preview: preview(raw) };
}

/** At most 200 characters of the message, for the log line that reports it. */
function preview(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

export const checkStepMessage = (raw: unknown): MessageCheck<StepMessage> => check(StepMessageSchema, raw);

export const checkOrchestrationMessage = (raw: unknown): MessageCheck<OrchestrationMessage> =>
  check(OrchestrationMessageSchema, raw);
