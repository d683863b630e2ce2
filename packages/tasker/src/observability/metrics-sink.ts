/**
 * What the engine reports as it works. The Prometheus implementation lives in metrics.ts; the
 * engine only depends on this shape, so metrics stay optional and cost nothing when off.
 */
export interface MetricsSink {
  taskCreated(namespace: string): void;
  taskFinished(namespace: string, status: string): void;
  stepFinished(namespace: string, step: string, seconds: number): void;
  stepRetried(namespace: string): void;
}
