import type { ApiPrincipal } from "../api/auth.js";

/** What every view needs to know about the request and the dashboard it is part of. */
export interface UiContext {
  /** Where the dashboard is mounted, e.g. `/ui` (no trailing slash). */
  base: string;
  /** undefined when auth is on and nobody signed in. */
  principal: ApiPrincipal | undefined;
  authEnabled: boolean;
  /** The versioned URL of a shipped asset. */
  asset(name: string): string;
  /** How often live views refresh. */
  refreshMs: number;
}
