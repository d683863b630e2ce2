import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import {
  API_KEY_HEADER,
  type ApiPrincipal,
  type AuthConfig,
  createKeyMatcher,
  grants,
  type Permission,
} from "../api/auth.js";
import { resolveAuthConfig } from "../api/auth-config.js";

/**
 * The dashboard signs in with an API key and keeps it in an HttpOnly, SameSite=Strict cookie
 * scoped to the dashboard's path, so pages and form posts carry it and scripts cannot read it.
 * Every request is checked with the API's own key matcher and permission grants: the dashboard
 * can do exactly what the key could do through the API.
 */
export const SESSION_COOKIE = "tasker_dashboard_key";

/** Who is looking when auth is off (embedded dev mode): everything is allowed, as in the API. */
export const OPEN_PRINCIPAL: ApiPrincipal = { name: "anyone (auth is off)", permissions: ["*"] };

export interface DashboardAuth {
  enabled: boolean;
  /** The principal for a key, or undefined for an unknown key (constant time, like the API). */
  match(key: string): ApiPrincipal | undefined;
}

/** The same resolution as the API app: code configuration, validated; omitted means off. */
export function createDashboardAuth(config: AuthConfig | undefined): DashboardAuth {
  const resolved = resolveAuthConfig({ auth: config ?? { enabled: false }, embedded: true });
  const match = createKeyMatcher(resolved.apiKeys);
  return { enabled: resolved.enabled, match };
}

/** The key a request presents: the API's header (scripts, curl) or the sign-in cookie. */
export function presentedKey(c: Context): string | undefined {
  return c.req.header(API_KEY_HEADER) || getCookie(c, SESSION_COOKIE) || undefined;
}

/** Who made the request: undefined when auth is on and no valid key came with it. */
export function principalOf(c: Context, auth: DashboardAuth): ApiPrincipal | undefined {
  if (!auth.enabled) return OPEN_PRINCIPAL;
  const key = presentedKey(c);
  return key ? auth.match(key) : undefined;
}

export function can(principal: ApiPrincipal | undefined, permission: Permission): boolean {
  return principal !== undefined && grants(principal.permissions, permission);
}

const isHttps = (c: Context) =>
  new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

export function startSession(c: Context, key: string, base: string): void {
  setCookie(c, SESSION_COOKIE, key, {
    path: base,
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
  });
}

export function endSession(c: Context, base: string): void {
  deleteCookie(c, SESSION_COOKIE, { path: base, httpOnly: true, sameSite: "Strict", secure: isHttps(c) });
}

/** A `next` longer than this is not a page the dashboard linked to. */
const MAX_NEXT_LENGTH = 2048;
const ORIGIN = "http://dashboard.invalid";

/**
 * The sign-in page, asked to come back to `location` afterwards; without it when it is longer than
 * {@link safeNext} accepts (it would be dropped there anyway, and echoed into a Location or
 * HX-Redirect header it could make the answer's headers too large for a client to read).
 */
export function loginUrl(base: string, location: string): string {
  if (location.length > MAX_NEXT_LENGTH) return `${base}/login`;
  return `${base}/login?next=${encodeURIComponent(location)}`;
}

/**
 * Where to go after signing in: a path inside the dashboard on this site, percent-encoded so a
 * Location header can carry it. Anything else goes to the dashboard's start: another site
 * (`//host`, a URL, backslashes), control characters (CR/LF would split the header), a path
 * that leaves the dashboard once resolved (`/ui/../v1`), or an absurdly long one.
 */
export function safeNext(next: string | undefined, base: string): string {
  if (!next || next.length > MAX_NEXT_LENGTH || !next.startsWith("/") || next.startsWith("//")) return base;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return base;
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return base;
  }
  if (url.origin !== ORIGIN) return base;
  if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return base;
  return url.pathname + url.search;
}
