import { EventEmitter } from "node:events";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics, type MetricsEventSource, type MetricsLifecycleEvent } from "./metrics.js";

/** A real in-memory event source with the engine's `on(name, listener) => off` shape. */
function eventSource(): MetricsEventSource & { emit(name: string, e: MetricsLifecycleEvent): void } {
  const emitter = new EventEmitter();
  return {
    on(name, listener) {
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    },
    emit: (name, e) => emitter.emit(name, e),
  };
}

describe("createMetrics", () => {
  it("counts tasks by namespace and outcome", async () => {
    const m = createMetrics();
    m.taskCreated("ecommerce");
    m.taskCreated("ecommerce");
    m.taskFinished("ecommerce", "complete");
    m.taskFinished("sales", "error");
    m.taskFinished("sales", "cancelled");
    const { body, contentType } = await m.render();
    expect(contentType).toContain("text/plain");
    expect(body).toContain('tasker_tasks_created_total{namespace="ecommerce"} 2');
    expect(body).toContain('tasker_tasks_completed_total{namespace="ecommerce"} 1');
    expect(body).toContain('tasker_tasks_failed_total{namespace="sales"} 1');
    expect(body).not.toContain('tasker_tasks_completed_total{namespace="sales"}');
  });

  it("records step durations, retries and HTTP latency", async () => {
    const m = createMetrics();
    m.stepFinished("ecommerce", "process_payment", 0.2);
    m.stepRetried("ecommerce");
    m.httpRequest("GET", "/v1/tasks/:task_uuid", 404, 0.003);
    const { body } = await m.render();
    expect(body).toContain(
      'tasker_step_duration_seconds_bucket{le="0.25",namespace="ecommerce",step="process_payment"} 1',
    );
    expect(body).toContain(
      'tasker_step_duration_seconds_sum{namespace="ecommerce",step="process_payment"} 0.2',
    );
    expect(body).toContain('tasker_step_retries_total{namespace="ecommerce"} 1');
    expect(body).toContain(
      'tasker_http_request_duration_seconds_count{method="GET",route="/v1/tasks/:task_uuid",status="404"} 1',
    );
  });

  it("reads queue depths at scrape time, dropping queues that emptied", async () => {
    const m = createMetrics();
    let depths = [
      { queue: "worker_ecommerce_queue", depth: 3 },
      { queue: "orchestration_queue", depth: 1 },
    ];
    m.setQueueDepthSource(async () => depths);
    expect((await m.render()).body).toContain('tasker_queue_depth{queue="worker_ecommerce_queue"} 3');
    depths = [{ queue: "orchestration_queue", depth: 0 }];
    const { body } = await m.render();
    expect(body).not.toContain("worker_ecommerce_queue");
    expect(body).toContain('tasker_queue_depth{queue="orchestration_queue"} 0');
  });

  it("still renders when the queue-depth source fails", async () => {
    const m = createMetrics();
    m.taskCreated("x");
    m.setQueueDepthSource(async () => {
      throw new Error("database down");
    });
    expect((await m.render()).body).toContain('tasker_tasks_created_total{namespace="x"} 1');
  });

  it("counts outcomes and retries from lifecycle events until unsubscribed", async () => {
    const m = createMetrics();
    const events = eventSource();
    const off = m.subscribe(events);
    events.emit("task.completed", { namespace: "a" });
    events.emit("task.failed", { namespace: "a" });
    events.emit("step.retry_scheduled", { namespace: "a", step_name: "s" });
    off();
    events.emit("task.completed", { namespace: "a" });
    const { body } = await m.render();
    expect(body).toContain('tasker_tasks_completed_total{namespace="a"} 1');
    expect(body).toContain('tasker_tasks_failed_total{namespace="a"} 1');
    expect(body).toContain('tasker_step_retries_total{namespace="a"} 1');
  });

  it("keeps separate registries apart, or shares one when given", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.taskCreated("only_a");
    expect((await b.render()).body).not.toContain("only_a");
    const shared = new Registry();
    createMetrics(shared).taskCreated("shared");
    expect(await shared.metrics()).toContain('tasker_tasks_created_total{namespace="shared"} 1');
  });
});
