// The internal downstream services (user profiles, order history) and how callers find them.
export { resolveServicesBaseUrl } from "./base-url.js";
export * from "./contracts.js";
export { FLAKY_PROFILE_CUSTOMERS } from "./fault-injection.js";
export { createInternalServices, INTERNAL_SERVICES_PATH, REQUEST_ID_HEADER } from "./internal-services.js";
