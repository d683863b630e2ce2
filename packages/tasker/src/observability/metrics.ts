import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { STEP_RETRY_SCHEDULED, TASK_COMPLETED, TASK_FAILED } from "../events/event-names.js";
import type { Logger } from "./logger.js";
import type { MetricsSink } from "./metrics-sink.js";

/** Reports how many messages wait in each queue; called on every scrape. */
export type QueueDepthSource = () => Promise<readonly { queue: string; depth: number }[]>;

/** The lifecycle event fields metrics read (a subset of the engine's event payload). */
export interface MetricsLifecycleEvent {
  namespace: string;
  step_name?: string;
}

/** Anything with the engine's `events.on(name, listener) => unsubscribe` shape. */
export interface MetricsEventSource {
  on(
    name: typeof TASK_COMPLETED | typeof TASK_FAILED | typeof STEP_RETRY_SCHEDULED,
    listener: (event: MetricsLifecycleEvent) => void,
  ): () => void;
}

/**
 * Prometheus metrics. As a MetricsSink the engine reports into it (`Tasker.open({ metrics })`);
 * `taskFinished` counts `complete` as completed and `error` as failed (other states are not counted).
 */
export interface Metrics extends MetricsSink {
  readonly registry: Registry;
  /** An API request was answered (`route` is the route pattern, not the path). */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** Where `tasker_queue_depth` is read from when `/metrics` is scraped. */
  setQueueDepthSource(source: QueueDepthSource): void;
  /** Counts task outcomes and retries from lifecycle events; returns the unsubscribe function. */
  subscribe(events: MetricsEventSource): () => void;
  /** The exposition text and its content type, for a `/metrics` route. */
  render(): Promise<{ contentType: string; body: string }>;
}

const STEP_DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

/**
 * Prometheus metrics for the engine and its API (prom-client). Each call gets its own registry
 * unless one is passed, so several engines (or tests) in one process never collide.
 */
export function createMetrics(registry: Registry = new Registry(), logger?: Logger): Metrics {
  const registers = [registry];
  const tasksCreated = new Counter({
    name: "tasker_tasks_created_total",
    help: "Tasks created, by namespace.",
    labelNames: ["namespace"],
    registers,
  });
  const tasksCompleted = new Counter({
    name: "tasker_tasks_completed_total",
    help: "Tasks that reached complete, by namespace.",
    labelNames: ["namespace"],
    registers,
  });
  const tasksFailed = new Counter({
    name: "tasker_tasks_failed_total",
    help: "Tasks that ended in error, by namespace.",
    labelNames: ["namespace"],
    registers,
  });
  const stepRetries = new Counter({
    name: "tasker_step_retries_total",
    help: "Step retries scheduled after a retryable failure, by namespace.",
    labelNames: ["namespace"],
    registers,
  });
  const stepDuration = new Histogram({
    name: "tasker_step_duration_seconds",
    help: "Handler execution time of step attempts, by namespace and step.",
    labelNames: ["namespace", "step"],
    buckets: STEP_DURATION_BUCKETS,
    registers,
  });
  const httpDuration = new Histogram({
    name: "tasker_http_request_duration_seconds",
    help: "Orchestration API request latency, by method, route pattern and status.",
    labelNames: ["method", "route", "status"],
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });

  let queueDepthSource: QueueDepthSource | undefined;
  new Gauge({
    name: "tasker_queue_depth",
    help: "Messages waiting in each queue, read at scrape time.",
    labelNames: ["queue"],
    registers,
    async collect() {
      if (!queueDepthSource) return;
      try {
        const depths = await withTimeout(queueDepthSource(), QUEUE_DEPTH_TIMEOUT_MS);
        this.reset();
        for (const { queue, depth } of depths) this.set({ queue }, depth);
      } catch (err) {
        // A slow or failing queue must not fail the whole scrape; the other metrics still matter.
        logger?.warn({ err }, "could not read queue depths for /metrics");
      }
    },
  });

  const metrics: Metrics = {
    registry,
    taskCreated: (namespace) => tasksCreated.inc({ namespace }),
    taskFinished(namespace, status) {
      if (status === "complete") tasksCompleted.inc({ namespace });
      else if (status === "error") tasksFailed.inc({ namespace });
    },
    stepFinished: (namespace, step, seconds) => stepDuration.observe({ namespace, step }, seconds),
    stepRetried: (namespace) => stepRetries.inc({ namespace }),
    httpRequest: (method, route, status, seconds) =>
      httpDuration.observe({ method, route, status: String(status) }, seconds),
    setQueueDepthSource(source) {
      queueDepthSource = source;
    },
    subscribe(events) {
      const unsubscribers = [
        events.on(TASK_COMPLETED, (e) => metrics.taskFinished(e.namespace, "complete")),
        events.on(TASK_FAILED, (e) => metrics.taskFinished(e.namespace, "error")),
        events.on(STEP_RETRY_SCHEDULED, (e) => metrics.stepRetried(e.namespace)),
      ];
      return () => {
        for (const off of unsubscribers) off();
      };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
  return metrics;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
