/**
 * What the engine reports as it works. The Prometheus implementation lives in metrics.ts; the
 * engine only depends on this shape, so metrics stay optional and cost nothing when off.
 */
export interface MetricsSink {
  /** A task was created in `namespace`. */
  taskCreated(namespace: string): void;
  /** A task reached a terminal `status` (`complete`, `error`, ...). */
  taskFinished(namespace: string, status: string): void;
  /** A step completed after running `seconds`. */
  stepFinished(namespace: string, step: string, seconds: number): void;
  /** A failed step was scheduled for another attempt. */
  stepRetried(namespace: string): void;
  /**
   * A worker stored a success with the plan that follows it: made in advance from the task as
   * the worker knew it (`known`), made from what it read (`read`), or made again from what it
   * read because the task had moved since (`known_changed`).
   */
  successPlanned(namespace: string, plannedFrom: PlannedFrom): void;
}

/** Where the plan stored with a worker's success came from (see MetricsSink.successPlanned). */
export type PlannedFrom = "known" | "read" | "known_changed";
