import { INTERNAL_SERVICES_PATH } from "./internal-services.js";

/**
 * The services' base URL from SERVICES_BASE_URL. A bare origin (`http://127.0.0.1:3000`) means
 * "this app", which serves them under /internal; any other path is used as given, for services
 * hosted elsewhere. No trailing slash, so callers append `/users/...`.
 */
export function resolveServicesBaseUrl(configured: string): string {
  const url = new URL(configured);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path === "" ? INTERNAL_SERVICES_PATH : path;
  return url.toString().replace(/\/+$/, "");
}
