// What the app needs from the engine: the client (create/get tasks) and the lifecycle events.
// `Tasker` from @tasker-ts/tasker satisfies it; so does anything of the same shape.
import type { LifecycleEvent, LifecycleEventName } from "@tasker-ts/tasker";
import type { TaskerClient } from "@tasker-ts/tasker/client";

export type { LifecycleEvent, LifecycleEventName };

export interface EngineHandle {
  readonly client: TaskerClient;
  readonly events: {
    on(name: LifecycleEventName, listener: (event: LifecycleEvent) => void): () => void;
    /** Resolves once events are being received (so none is missed after it). */
    ready?(): Promise<void>;
  };
  health?(): Promise<{ database: boolean; queue: boolean }>;
}
