import type { Tasker } from "../tasker.js";

/**
 * What the dashboard uses of the engine: the client (reads and operator actions, with the same
 * checks as the API), the template store, the database for the views the API has no route for
 * (counts per status, task transitions, queues and workers), and which transport carries signals.
 */
export type DashboardTasker = Pick<Tasker, "client" | "templates" | "database" | "transport">;
