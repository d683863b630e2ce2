import type { Tasker } from "../tasker.js";

/**
 * What the orchestration API uses of the engine. Coding the routes against this narrow slice
 * of `Tasker` keeps them to what a client could do: the client, templates, events, health.
 */
export type ApiTasker = Pick<
  Tasker,
  "client" | "events" | "templates" | "health" | "queueDepths" | "metrics" | "database" | "transport"
>;
