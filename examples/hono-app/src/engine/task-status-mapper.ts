// How a terminal task event becomes a domain row's status. The lifecycle subscriber
// (lifecycle.ts) runs every mapper for every terminal task event.
import type { AppDb } from "../db/client.js";
import type { LifecycleEvent } from "./engine-handle.js";

/**
 * Applies a terminal task event to the rows it owns. Return true when it updated something
 * (for logs). Must be idempotent: events are delivered at least once.
 */
export type TaskStatusMapper = (event: LifecycleEvent, db: AppDb) => Promise<boolean>;
