import { z } from "zod";
import { jsonTextNestingDepth } from "../api/json-limits.js";
import { type StepAction, StepActionSchema } from "../model/step-action.js";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../model/storable-text.js";
import { CONTEXT_LIMITS } from "../model/task-request.js";
import { STEP_ACTION_TYPES } from "./data/allowed-actions.js";

export type FormResult<T> = { ok: true; value: T } | { ok: false; message: string };

const ActionFormSchema = z.object({
  action_type: z.enum(STEP_ACTION_TYPES as [StepAction["action_type"], ...StepAction["action_type"][]], {
    error: `action_type: must be one of ${STEP_ACTION_TYPES.join(", ")} (use the buttons under the step)`,
  }),
  reason: z
    .string({ error: "reason: write why you are changing this step; it is kept in the step's audit trail" })
    .trim()
    .min(1, "reason: write why you are changing this step; it is kept in the step's audit trail")
    .max(1000, "reason: at most 1,000 characters")
    .refine(isStorableText, `reason: ${UNSTORABLE_TEXT_MESSAGE}`),
  result: z.string().optional(),
});

/** The form schemas' messages name their field already. */
const firstMessage = (error: z.ZodError) => error.issues[0]?.message ?? "invalid form";

/** A failure of the API's own schema, named as the form's field (`reason`, `result.items.0`). */
function apiSchemaMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid form";
  const field = issue.path
    .map(String)
    .join(".")
    .replace(/^completion_data\./, "");
  return field ? `${field}: ${issue.message}` : issue.message;
}

/** The `result` box of "Complete with result": JSON, as the API's `completion_data.result`. */
export function parseResultJson(text: string | undefined): FormResult<unknown> {
  const source = text?.trim() ?? "";
  if (source === "") return { ok: true, value: null };
  if (jsonTextNestingDepth(source, CONTEXT_LIMITS.maxDepth + 1) > CONTEXT_LIMITS.maxDepth + 1) {
    return { ok: false, message: `result: nested deeper than ${CONTEXT_LIMITS.maxDepth} levels; flatten it` };
  }
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (err) {
    return {
      ok: false,
      message: `result: not valid JSON (${(err as Error).message}); write e.g. {"charged": true} or null`,
    };
  }
}

/**
 * The step action form (pure): which button was pressed, the reason and, for "complete", the
 * result. `by` names who acted in the audit trail. The engine checks the rest (state, limits).
 */
export function parseStepActionForm(form: Record<string, unknown>, by: string): FormResult<StepAction> {
  const parsed = ActionFormSchema.safeParse({
    action_type: form.action_type,
    reason: form.reason,
    result: typeof form.result === "string" ? form.result : undefined,
  });
  if (!parsed.success) return { ok: false, message: firstMessage(parsed.error) };
  const { action_type, reason } = parsed.data;
  let action: StepAction;
  if (action_type === "complete_manually") {
    const result = parseResultJson(parsed.data.result);
    if (!result.ok) return result;
    action = { action_type, reason, completed_by: by, completion_data: { result: result.value } };
  } else if (action_type === "resolve_manually") {
    action = { action_type, reason, resolved_by: by };
  } else {
    action = { action_type, reason, reset_by: by };
  }
  // The API's own schema, so the dashboard can never send what the API would refuse.
  const checked = StepActionSchema.safeParse(action);
  return checked.success
    ? { ok: true, value: checked.data }
    : { ok: false, message: apiSchemaMessage(checked.error) };
}

const CancelFormSchema = z.object({
  reason: z
    .string()
    .trim()
    .max(1000, "reason: at most 1,000 characters")
    .refine(isStorableText, `reason: ${UNSTORABLE_TEXT_MESSAGE}`)
    .optional(),
});

/** The cancel form: an optional reason (the engine records "cancelled by request" without one). */
export function parseCancelForm(form: Record<string, unknown>): FormResult<{ reason: string | undefined }> {
  const parsed = CancelFormSchema.safeParse({
    reason: typeof form.reason === "string" ? form.reason : undefined,
  });
  if (!parsed.success) return { ok: false, message: firstMessage(parsed.error) };
  return { ok: true, value: { reason: parsed.data.reason || undefined } };
}
