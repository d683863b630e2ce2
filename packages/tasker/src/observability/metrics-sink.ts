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
}
