import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { isPermissionGrant, type Permission, permissionGrantProblem } from "../model/permissions.js";
import { reply, sendError } from "./errors.js";

export { PERMISSIONS, type Permission } from "../model/permissions.js";

/** The request header that carries the API key. */
export const API_KEY_HEADER = "X-API-Key";

const PermissionGrantSchema = z
  .string()
  .refine(isPermissionGrant, { error: (issue) => permissionGrantProblem(String(issue.input)) });

export const ApiKeySchema = z
  .object({
    key: z.string().min(16, "must be at least 16 characters (generate one with `openssl rand -hex 32`)"),
    name: z.string().min(1).max(100).optional(),
    permissions: z.array(PermissionGrantSchema),
  })
  .strict();
/** One configured API key: the secret, an optional name for logs, and its permissions. */
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const AuthConfigSchema = z
  .object({
    enabled: z.boolean(),
    apiKeys: z.array(ApiKeySchema).default([]),
  })
  .strict()
  .refine((c) => !c.enabled || c.apiKeys.length > 0, {
    message: "auth is enabled but no API keys are configured; add at least one key or disable auth",
    path: ["apiKeys"],
  });
/** Whether the API requires keys, and which keys it accepts (`{enabled, apiKeys}`). */
export type AuthConfig = z.input<typeof AuthConfigSchema>;

/** Who made the request, once the key is known. Keys themselves are never kept on requests. */
export interface ApiPrincipal {
  name: string;
  permissions: readonly string[];
}

export type AuthEnv = { Variables: { principal: ApiPrincipal | undefined } };

export function grants(granted: readonly string[], needed: Permission): boolean {
  const resource = needed.split(":")[0];
  return granted.some((g) => g === "*" || g === needed || g === `${resource}:*`);
}

/**
 * Compares a presented key with every configured key in constant time: both sides are hashed to
 * equal length first, and all keys are checked even after a match, so timing reveals nothing.
 */
export function createKeyMatcher(keys: readonly ApiKey[]): (presented: string) => ApiPrincipal | undefined {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  const entries = keys.map((k, i) => ({
    digest: digest(k.key),
    principal: { name: k.name ?? `key#${i + 1}`, permissions: k.permissions },
  }));
  return (presented) => {
    const candidate = digest(presented);
    let found: ApiPrincipal | undefined;
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, candidate) && !found) found = entry.principal;
    }
    return found;
  };
}

/**
 * Route middleware: 401 without a valid `X-API-Key`, 403 when the key lacks `permission`.
 * With auth disabled every request passes. The key never reaches logs or error details.
 */
export function requirePermission(
  permission: Permission,
  auth: { enabled: boolean; match: (key: string) => ApiPrincipal | undefined },
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (!auth.enabled) return next();
    const presented = c.req.header(API_KEY_HEADER);
    if (!presented) {
      return sendError(
        c,
        reply("UNAUTHORIZED", `missing API key: send it in the ${API_KEY_HEADER} header`, {
          header: API_KEY_HEADER,
        }),
      );
    }
    const principal = auth.match(presented);
    if (!principal) {
      return sendError(
        c,
        reply("UNAUTHORIZED", `invalid API key in the ${API_KEY_HEADER} header`, { header: API_KEY_HEADER }),
      );
    }
    if (!grants(principal.permissions, permission)) {
      return sendError(
        c,
        reply("FORBIDDEN", `API key "${principal.name}" lacks the "${permission}" permission`, {
          required_permission: permission,
        }),
      );
    }
    c.set("principal", principal);
    return next();
  };
}
