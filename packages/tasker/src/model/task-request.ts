import { z } from "zod";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "./storable-text.js";

/** Limits on a task's context, from the engine contract. */
export const CONTEXT_LIMITS = {
  maxBytes: 1024 * 1024,
  maxDepth: 10,
  maxKeys: 1000,
  maxStringLength: 10_000,
} as const;

/** Valid namespaces: 1-29 characters of letters, digits and `_`. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_]{1,29}$/;
/** Valid template and step names: lowercase snake_case. */
export const TEMPLATE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** POST /v1/tasks body. `version` defaults to the newest registered version of the template. */
/** A string PostgreSQL can store as sent (no NUL, no unpaired surrogates). */
export const storableString = () => z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

export const TaskRequestSchema = z
  .object({
    name: z.string().regex(TEMPLATE_NAME_PATTERN, "must match ^[a-z][a-z0-9_]*$"),
    namespace: z.string().regex(NAMESPACE_PATTERN, "must be 1-29 characters of [A-Za-z0-9_]"),
    version: storableString().min(1).max(64).optional(),
    context: z.record(z.string(), z.unknown()).default({}),
    initiator: storableString().max(255).optional(),
    source_system: storableString().max(255).optional(),
    reason: storableString().max(1000).optional(),
    tags: z.array(storableString().max(255)).max(100).default([]),
    priority: z.number().int().min(-1000).max(1000).default(0),
    correlation_id: storableString().max(255).optional(),
    parent_correlation_id: storableString().max(255).optional(),
    idempotency_key: storableString().min(1).max(255).optional(),
  })
  .strict();
/** The body of `POST /v1/tasks` as a caller writes it (defaults optional). */
export type TaskRequest = z.input<typeof TaskRequestSchema>;
/** A validated {@link TaskRequest} with its defaults applied. */
export type ParsedTaskRequest = z.output<typeof TaskRequestSchema>;
