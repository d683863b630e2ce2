// The worker protocol's messages: what a worker in any language sends to the orchestration server
// under /v1/worker and what it gets back. docs/worker-protocol.md is generated from these schemas.
import { z } from "zod";
import { MAX_CHECKPOINT_BYTES } from "../model/checkpoint.js";
import { NAMESPACE_PATTERN, storableString } from "../model/task-request.js";

/**
 * The protocol's version. A server answers every version it knows; a worker sends the version
 * it speaks when it registers. Adding optional fields keeps the version; removing or changing
 * the meaning of one makes a new one (docs/worker-protocol.md, "Versioning").
 */
export const PROTOCOL_VERSION = "1";
export const PROTOCOL_VERSIONS = [PROTOCOL_VERSION] as const;

/** Limits the server applies to what workers ask for. */
export const PROTOCOL_LIMITS = {
  maxStepsPerClaim: 100,
  maxClaimWaitMs: 30_000,
  minLeaseSeconds: 1,
  maxLeaseSeconds: 3600,
  defaultLeaseSeconds: 30,
  maxHandlers: 1000,
  maxConcurrency: 10_000,
  maxTokensPerHeartbeat: 1000,
} as const;

const WORKER_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
const CALLABLE_PATTERN = /^[A-Za-z0-9_.:/-]{1,255}$/;

export const WorkerIdSchema = z
  .string()
  .regex(WORKER_ID_PATTERN, "must be 1-128 characters of letters, digits and _ . : @ -");

export const RegisterWorkerSchema = z
  .object({
    worker_id: WorkerIdSchema.optional().describe("Default: one the server makes up."),
    namespaces: z
      .array(z.string().regex(NAMESPACE_PATTERN, "must be 1-29 characters of [A-Za-z0-9_]"))
      .min(1, "serve at least one namespace")
      .max(100),
    handlers: z
      .array(z.string().regex(CALLABLE_PATTERN, "must be 1-255 characters of letters, digits and _ . : / -"))
      .max(PROTOCOL_LIMITS.maxHandlers)
      .describe(
        "The handler callables this worker can run: only steps with one of them are handed to it by a claim or as `next`.",
      ),
    concurrency: z.number().int().min(1).max(PROTOCOL_LIMITS.maxConcurrency).default(10),
    lease_seconds: z
      .number()
      .int()
      .min(PROTOCOL_LIMITS.minLeaseSeconds)
      .max(PROTOCOL_LIMITS.maxLeaseSeconds)
      .default(PROTOCOL_LIMITS.defaultLeaseSeconds)
      .describe("How long a claim lasts without a heartbeat; a dead worker's steps come back after it."),
    sdk: z.object({ name: storableString().min(1).max(100), version: storableString().min(1).max(100) }),
    protocol_version: z.enum(PROTOCOL_VERSIONS).default(PROTOCOL_VERSION),
    hostname: storableString().max(255).optional(),
    pid: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
  })
  .strict();
export type RegisterWorker = z.input<typeof RegisterWorkerSchema>;

export const RegisteredWorkerSchema = z.object({
  worker_id: z.string(),
  protocol_version: z.string(),
  lease_seconds: z.number().int(),
  heartbeat_interval_ms: z.number().int().describe("Send a heartbeat at least this often while steps run."),
  max_claim_wait_ms: z.number().int(),
  max_steps_per_claim: z.number().int(),
  max_result_bytes: z
    .number()
    .int()
    .describe("A result or error larger than this (as JSON) is refused; report `result_too_large` instead."),
  unhandled_callables: z
    .array(z.string())
    .describe(
      "Callables of registered templates in the worker's namespaces that it has no handler for: their steps are not handed to it (they wait for a worker that has the handler).",
    ),
});
export type RegisteredWorker = z.infer<typeof RegisteredWorkerSchema>;

export const ClaimRequestSchema = z
  .object({
    max_steps: z.number().int().min(1).max(PROTOCOL_LIMITS.maxStepsPerClaim).default(1),
    wait_ms: z
      .number()
      .int()
      .min(0)
      .max(PROTOCOL_LIMITS.maxClaimWaitMs)
      .default(0)
      .describe("Long poll: wait up to this long for a step when none is ready."),
  })
  .strict();
export type ClaimRequest = z.input<typeof ClaimRequestSchema>;

/** Everything a handler needs to run one attempt of a step. */
export const ClaimedStepSchema = z.object({
  claim_token: z.string().describe("Send it back with the result and heartbeats; opaque."),
  task_uuid: z.string(),
  step_uuid: z.string(),
  step_name: z.string(),
  task_name: z.string(),
  namespace: z.string(),
  version: z.string(),
  handler_callable: z.string(),
  correlation_id: z.string(),
  attempt: z.number().int().describe("1 on the first attempt."),
  max_attempts: z.number().int(),
  timeout_seconds: z.number().int(),
  deadline: z
    .string()
    .describe("When the attempt times out (ISO 8601); report a `timeout` failure after it."),
  lease_expires_at: z.string(),
  context: z.record(z.string(), z.unknown()).describe("The task's context."),
  dependency_results: z
    .record(z.string(), z.unknown())
    .describe("Every ancestor step's result, by step name."),
  initialization: z.record(z.string(), z.unknown()).describe("The template's handler initialization."),
  batch_config: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe(
      "A batchable step's batch_config from its template (batch_size, parallelism, cursor_field, worker_template, failure_strategy): plan its batches with it. Null for other steps (absent from older servers).",
    ),
  checkpoint: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe(
      "The last checkpoint an earlier attempt of this step saved (POST .../checkpoint): resume from it. Null (or absent, from older servers) when there is none.",
    ),
});
export type ClaimedStepMessage = z.infer<typeof ClaimedStepSchema>;

export const ClaimResponseSchema = z.object({ steps: z.array(ClaimedStepSchema) });
export type ClaimResponse = z.infer<typeof ClaimResponseSchema>;

export const FailureSchema = z
  .object({
    message: storableString().min(1).max(10_000),
    retryable: z.boolean().default(true),
    code: storableString().max(255).nullable().optional(),
    retry_after_ms: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600 * 1000)
      .nullable()
      .optional(),
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
    kind: z
      .enum(["permanent", "retryable", "timeout", "handler_missing"])
      .nullable()
      .optional()
      .describe("Default: `retryable` or `permanent` from `retryable`."),
  })
  .strict();

export const ReportResultSchema = z
  .object({
    claim_token: z.string().min(1).max(512),
    outcome: z.discriminatedUnion("status", [
      z
        .object({
          status: z.literal("success"),
          result: z
            .unknown()
            .optional()
            .describe(
              'The step\'s result (any JSON). A decision step\'s result carries its outcome under `decision_point_outcome`: `{"type": "create_steps", "step_names": [...]}` or `{"type": "no_branches"}`; a batchable step\'s, under `batch_processing_outcome`: `{"type": "create_batches", "cursor_configs": [{"batch_id", "start_cursor", "end_cursor", "batch_size"}, ...], "total_items": N}` or `{"type": "no_batches"}` (see docs/templates.md).',
            ),
        })
        .strict(),
      z.object({ status: z.literal("failure"), error: FailureSchema }).strict(),
    ]),
    continue: z
      .boolean()
      .default(true)
      .describe("Claim a step the result made ready for this worker and return it as `next`."),
  })
  .strict();
export type ReportResult = z.input<typeof ReportResultSchema>;

export const ReportResponseSchema = z.object({
  step_uuid: z.string(),
  outcome: z
    .enum(["completed", "retry_scheduled", "failed", "ignored"])
    .describe(
      "What the result did to the step: completed, a retry scheduled, failed for good, or ignored (its task had ended).",
    ),
  task_status: z
    .string()
    .nullable()
    .describe("The task's status after the result (null when it was not re-evaluated)."),
  next: ClaimedStepSchema.nullable().describe("The next step of the task, already claimed for this worker."),
});
export type ReportResponse = z.infer<typeof ReportResponseSchema>;

export const CheckpointRequestSchema = z
  .object({
    claim_token: z.string().min(1).max(512),
    checkpoint: z
      .record(z.string(), z.unknown())
      .describe(
        `Where the step has got to: a JSON object of at most ${MAX_CHECKPOINT_BYTES} bytes, by convention with a \`cursor\`. The next attempt's claim carries it as \`checkpoint\`.`,
      ),
  })
  .strict();
export type CheckpointRequest = z.input<typeof CheckpointRequestSchema>;

export const CheckpointResponseSchema = z.object({
  claim_token: z.string(),
  status: z
    .enum(["held", "cancelled"])
    .describe("held: saved, go on. cancelled: saved, but the task has ended; stop the handler."),
  checkpointed_at: z.string(),
  lease_expires_at: z.string().describe("Saving a checkpoint extends the lease, as a heartbeat does."),
});
export type CheckpointResponse = z.infer<typeof CheckpointResponseSchema>;

export const HeartbeatRequestSchema = z
  .object({
    claim_tokens: z.array(z.string().min(1).max(512)).max(PROTOCOL_LIMITS.maxTokensPerHeartbeat).default([]),
  })
  .strict();
export type HeartbeatRequest = z.input<typeof HeartbeatRequestSchema>;

export const HeartbeatResponseSchema = z.object({
  claims: z.array(
    z.object({
      claim_token: z.string(),
      status: z
        .enum(["held", "cancelled", "lost"])
        .describe(
          "held: the lease was extended. cancelled: the task ended (cancelled); stop the handler. lost: the claim is no longer this worker's; drop the attempt.",
        ),
      lease_expires_at: z.string().nullable(),
    }),
  ),
  worker_status: z.enum(["running", "draining", "stopped"]),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

export const DeregisterResponseSchema = z.object({
  worker_id: z.string(),
  released_steps: z
    .number()
    .int()
    .describe("Claims still held, handed back to the queue (their attempt does not count)."),
});

export const WorkerListSchema = z.object({
  workers: z.array(
    z.object({
      worker_id: z.string(),
      namespaces: z.array(z.string()),
      handlers: z.array(z.string()),
      concurrency: z.number().int(),
      lease_seconds: z.number().int(),
      status: z.enum(["running", "draining", "stopped"]),
      sdk: z.object({ name: z.string(), version: z.string() }).nullable(),
      last_heartbeat_at: z.string(),
    }),
  ),
});
export type WorkerList = z.infer<typeof WorkerListSchema>;
