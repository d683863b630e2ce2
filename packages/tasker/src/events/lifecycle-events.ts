import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Database, Queryable } from "../store/database.js";
import {
  EVENTS_CHANNEL,
  holdStepCompletedLease,
  notifyEvents,
  releaseStepCompletedLease,
} from "../store/sql/events.js";
import { type LifecycleEventName, STEP_COMPLETED } from "./event-names.js";

/**
 * A task or step lifecycle event, as subscribers receive it (after the deciding transaction committed).
 * `correlation_id` is the one given when the task was created: an app that stores it on its own
 * record before creating the task finds that record from any event, even one that arrives before
 * `createTask` has returned the task's uuid.
 */
export interface LifecycleEvent {
  event: LifecycleEventName;
  task_uuid: string;
  namespace: string;
  name: string;
  version: string;
  status: string;
  correlation_id: string;
  error: string | null;
  step_uuid?: string;
  step_name?: string;
  occurred_at: string;
}

// NOTIFY payloads are limited to 8000 bytes; errors are cut well below that.
const MAX_ERROR_CHARS = 2000;

/** Sends events to every subscriber (see {@link LifecycleEvents}) once the transaction commits. */
export async function publishEvents(q: Queryable, events: readonly LifecycleEvent[]): Promise<void> {
  await notifyEvents(q, eventPayloads(events));
}

/** The NOTIFY payloads of events (long errors cut, so a payload stays under NOTIFY's limit). */
export function eventPayloads(events: readonly LifecycleEvent[]): string[] {
  return events.map((e) =>
    JSON.stringify({
      ...e,
      error: e.error && e.error.length > MAX_ERROR_CHARS ? `${e.error.slice(0, MAX_ERROR_CHARS)}…` : e.error,
    }),
  );
}

type Listener = (event: LifecycleEvent) => void | Promise<void>;

/** How long a process's lease on step.completed events lasts; it is renewed every third of it. */
const STEP_COMPLETED_LEASE_SECONDS = 60;

/** A statement on this process's lease on step.completed events: its first hold, a renewal, its end. */
export type LeaseOperation = "take" | "renew" | "release";

/** What a failed statement on the lease means, in plain words (the engine logs it). */
export function leaseFailureMessage(operation: LeaseOperation): string {
  switch (operation) {
    case "take":
      return "the lease on step.completed events was not taken: they are not sent until a renewal succeeds";
    case "renew":
      return "the lease on step.completed events was not renewed: they stop being sent if it expires before the next renewal";
    case "release":
      return "the lease on step.completed events was not released: they are still sent until it expires, though this process no longer listens";
  }
}

/**
 * Subscribe to task and step lifecycle events, from any process on the same database:
 * `tasker.events.on("task.completed", (e) => ...)`. Delivery is after commit, at most once per
 * subscriber; listeners that throw are logged, not retried.
 *
 * step.completed, one event per step, is sent only while some process listens for it (a
 * listener of "step.completed" or "*"): such a process holds a lease in the database, taken with
 * its first such listener and renewed while it has one. Its events flow from `ready()` on.
 */
export class LifecycleEvents {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  private unlisten: Promise<() => Promise<void>> | undefined;
  /** This process's lease on step.completed events, and its listeners that need it. */
  private readonly listenerId = randomUUID();
  private stepCompletedListeners = 0;
  private renewLease: NodeJS.Timeout | undefined;
  /** The lease's statements, one after another (a release never overtakes its hold). */
  private leaseWork: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly onListenerError: (err: unknown, event: LifecycleEvent) => void,
    private readonly onLeaseError: (err: unknown, operation: LeaseOperation) => void = () => undefined,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Listen to one event name, or "*" for all. Returns an unsubscribe function. */
  on(name: LifecycleEventName | "*", listener: Listener): () => void {
    this.ensureListening();
    const wrapped = (event: LifecycleEvent) => {
      try {
        Promise.resolve(listener(event)).catch((err) => this.onListenerError(err, event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    };
    this.emitter.on(name, wrapped);
    const hearsSteps = name === "*" || name === STEP_COMPLETED;
    if (hearsSteps && this.stepCompletedListeners++ === 0) this.holdLease();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.emitter.off(name, wrapped);
      if (hearsSteps && --this.stepCompletedListeners === 0) this.releaseLease();
    };
  }

  /** Resolves once the subscription to the database channel is active (and step.completed flows, if asked for). */
  async ready(): Promise<void> {
    this.ensureListening();
    await this.unlisten;
    await this.leaseWork;
  }

  private holdLease(): void {
    const hold = (operation: "take" | "renew") =>
      this.queueLeaseWork(operation, () =>
        holdStepCompletedLease(this.db, this.listenerId, STEP_COMPLETED_LEASE_SECONDS),
      );
    hold("take");
    this.renewLease = setInterval(() => hold("renew"), (STEP_COMPLETED_LEASE_SECONDS * 1000) / 3);
    this.renewLease.unref();
  }

  private releaseLease(): void {
    clearInterval(this.renewLease);
    this.renewLease = undefined;
    this.queueLeaseWork("release", () => releaseStepCompletedLease(this.db, this.listenerId));
  }

  private queueLeaseWork(operation: LeaseOperation, work: () => Promise<void>): void {
    this.leaseWork = this.leaseWork.then(work).catch((err: unknown) => this.onLeaseError(err, operation));
  }

  private ensureListening(): void {
    this.unlisten ??= this.db.listen(EVENTS_CHANNEL, (payload) => {
      let event: LifecycleEvent;
      try {
        event = JSON.parse(payload) as LifecycleEvent;
      } catch {
        return;
      }
      this.emitter.emit(event.event, event);
      this.emitter.emit("*", event);
    });
  }

  /** Removes every listener and stops listening to the database. */
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    if (this.stepCompletedListeners > 0) {
      this.stepCompletedListeners = 0;
      this.releaseLease();
    }
    await this.leaseWork;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    if (unlisten) await (await unlisten.catch(() => async () => undefined))();
  }
}
