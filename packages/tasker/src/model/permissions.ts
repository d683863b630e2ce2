// What an API key may do: one list for the API (which checks requests against it) and for
// worker.toml and TASKER_API_KEYS (which grant it), so a key `config validate` accepts is a key the
// server accepts.
import { didYouMean } from "../template/closest-names.js";

/** What an API key may do. `*` grants everything; `tasks:*` everything on tasks. */
export const PERMISSIONS = [
  "tasks:read",
  "tasks:write",
  "steps:resolve",
  "templates:read",
  "templates:write",
  "metrics:read",
  "worker",
] as const;
/** One permission an API key can be granted (see {@link PERMISSIONS}). */
export type Permission = (typeof PERMISSIONS)[number];

/** Resources with `<resource>:*` grants: tasks, steps, templates, metrics. */
const RESOURCES = [...new Set(PERMISSIONS.filter((p) => p.includes(":")).map((p) => p.split(":")[0]!))];

/** Everything a key's permission list may hold: the permissions, `*`, and `<resource>:*`. */
export const PERMISSION_GRANTS: readonly string[] = ["*", ...PERMISSIONS, ...RESOURCES.map((r) => `${r}:*`)];

/** Whether `grant` may appear in a key's permission list. */
export function isPermissionGrant(grant: string): boolean {
  return PERMISSION_GRANTS.includes(grant);
}

/** Why `grant` is not a permission, with the closest one when it looks like a typo. */
export function permissionGrantProblem(grant: string): string {
  return `must be "*", "<resource>:*" (${RESOURCES.join(", ")}) or one of: ${PERMISSIONS.join(", ")}${didYouMean(grant, PERMISSION_GRANTS)}`;
}
