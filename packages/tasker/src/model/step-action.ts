import { z } from "zod";
import { findUnstorableText } from "./storable-text.js";
import { storableString } from "./task-request.js";

/** PATCH /v1/tasks/{uuid}/workflow_steps/{step_uuid} body. */
export const StepActionSchema = z.discriminatedUnion("action_type", [
  z
    .object({
      action_type: z.literal("reset_for_retry"),
      reason: storableString().min(1).max(1000),
      reset_by: storableString().max(255).optional(),
    })
    .strict(),
  z
    .object({
      action_type: z.literal("resolve_manually"),
      reason: storableString().min(1).max(1000),
      resolved_by: storableString().max(255).optional(),
    })
    .strict(),
  z
    .object({
      action_type: z.literal("complete_manually"),
      reason: storableString().min(1).max(1000),
      completed_by: storableString().max(255).optional(),
      completion_data: z
        .object({ result: z.unknown(), metadata: z.record(z.string(), z.unknown()).optional() })
        .strict()
        .superRefine((data, ctx) => {
          const bad = findUnstorableText(data);
          if (bad) ctx.addIssue({ code: "custom", path: bad.path, message: bad.problem });
        }),
    })
    .strict(),
]);
/**
 * An operator action on a step: `reset_for_retry`, `resolve_manually` or `complete_manually`
 * (with `completion_data.result`), each with a `reason`.
 */
export type StepAction = z.infer<typeof StepActionSchema>;
