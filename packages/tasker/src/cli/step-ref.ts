import type { TaskerClient } from "../client/tasker-client.js";
import { CliError, EXIT, usageError } from "./exit-codes.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Checks a task uuid argument before any request, so a typo is a usage error, not a 400. */
export function taskUuidArg(value: string): string {
  if (!isUuid(value)) {
    throw usageError(`"${value}" is not a task UUID; find tasks with \`tasker-ctl task list\``);
  }
  return value;
}

/**
 * A step given by uuid or by name within the task (names are unique per task), resolved to
 * its uuid. An unknown name is "not found" and lists the task's steps.
 */
export async function resolveStepUuid(
  client: Pick<TaskerClient, "listTaskSteps">,
  taskUuid: string,
  stepRef: string,
): Promise<string> {
  if (isUuid(stepRef)) return stepRef;
  const steps = await client.listTaskSteps(taskUuid);
  const match = steps.find((s) => s.name === stepRef);
  if (match) return match.workflow_step_uuid;
  throw new CliError(
    `task ${taskUuid} has no step named "${stepRef}"; its steps are: ${steps.map((s) => s.name).join(", ")}`,
    EXIT.notFound,
  );
}
