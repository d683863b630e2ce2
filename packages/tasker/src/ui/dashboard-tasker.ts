import type { MessageTransport } from "../queue/transport.js";
import type { Tasker } from "../tasker.js";

/**
 * What the dashboard uses of the engine: the client (reads and operator actions, with the same
 * checks as the API), the template store, the database for the views the API has no route for
 * (counts per status, task transitions, queues and workers), and which transport carries signals.
 */
export type DashboardTasker = Pick<Tasker, "client" | "templates" | "database"> & {
  /** Absent (e.g. the API's narrower view of the engine): the default Postgres transport. */
  transport?: Pick<MessageTransport, "kind">;
};

/** Which transport carries the engine's signals. */
export const transportKind = (tasker: DashboardTasker) => tasker.transport?.kind ?? "postgres";
