/**
 * A claim token names one attempt of one step: the task, the step and the attempt number. The
 * step row's guard (claimed by this worker, on this attempt, still in progress) decides whether
 * the token is current, so the token needs no secret: a forged one can only name a claim its
 * worker already holds.
 */
export interface ClaimRef {
  taskUuid: string;
  stepUuid: string;
  attempts: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeClaimToken(ref: ClaimRef): string {
  return Buffer.from(`${ref.taskUuid}.${ref.stepUuid}.${ref.attempts}`).toString("base64url");
}

/** The claim a token names, or undefined when it is not a token this server made. */
export function decodeClaimToken(token: string): ClaimRef | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  const [taskUuid, stepUuid, attempts, ...rest] = Buffer.from(token, "base64url").toString("utf8").split(".");
  if (rest.length > 0 || !taskUuid || !stepUuid || !attempts) return undefined;
  if (!UUID.test(taskUuid) || !UUID.test(stepUuid) || !/^[1-9][0-9]{0,8}$/.test(attempts)) return undefined;
  return { taskUuid, stepUuid, attempts: Number(attempts) };
}
