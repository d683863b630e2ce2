import { createRoute, z } from "@hono/zod-openapi";
import {
  CheckpointRequestSchema,
  CheckpointResponseSchema,
  ClaimRequestSchema,
  ClaimResponseSchema,
  DeregisterResponseSchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  RegisteredWorkerSchema,
  RegisterWorkerSchema,
  ReportResponseSchema,
  ReportResultSchema,
  WorkerIdSchema,
  WorkerListSchema,
} from "../../protocol/messages.js";
import type { RemoteWorkers } from "../../protocol/remote-workers.js";
import { jsonBody } from "../json-body.js";
import { errorResponses, json, secured } from "../route-docs.js";
import type { ApiApp, RouteDeps } from "./route-deps.js";

const AUTH_ERRORS = ["UNAUTHORIZED", "FORBIDDEN"] as const;

const named = <T extends z.ZodType>(schema: T, name: string): T => schema.clone().openapi(name);
const RegisterWorker = named(RegisterWorkerSchema, "RegisterWorker");
const RegisteredWorker = named(RegisteredWorkerSchema, "RegisteredWorker");
const ClaimRequest = named(ClaimRequestSchema, "ClaimRequest");
const ClaimResponse = named(ClaimResponseSchema, "ClaimResponse");
const ReportResult = named(ReportResultSchema, "ReportResult");
const ReportResponse = named(ReportResponseSchema, "ReportResponse");
const CheckpointRequest = named(CheckpointRequestSchema, "CheckpointRequest");
const CheckpointResponse = named(CheckpointResponseSchema, "CheckpointResponse");
const HeartbeatRequest = named(HeartbeatRequestSchema, "HeartbeatRequest");
const HeartbeatResponse = named(HeartbeatResponseSchema, "HeartbeatResponse");
const DeregisterResponse = named(DeregisterResponseSchema, "DeregisterResponse");
const WorkerList = named(WorkerListSchema, "WorkerList");

const WorkerParams = z.object({
  worker_id: WorkerIdSchema.openapi({
    param: { name: "worker_id", in: "path" },
    example: "billing-worker-1",
  }),
});

const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

/**
 * The worker protocol (docs/worker-protocol.md) under /v1/worker: how workers in any language
 * register, claim steps, report results and keep their leases. Every route needs the `worker`
 * permission.
 */
export function registerWorkerProtocolRoutes(
  app: ApiApp,
  deps: RouteDeps,
  remote: () => Promise<RemoteWorkers>,
  maxResultBodyBytes: number,
): void {
  const { guard } = deps;
  const common = { tags: ["worker protocol"], ...secured("worker") };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/worker/workers",
      ...common,
      summary: "Register a worker",
      description:
        "Registers (or re-registers) a worker: its namespaces, the handler callables it can run, its concurrency and lease. Answers the limits it must keep.",
      middleware: [guard("worker"), jsonBody()] as const,
      request: body(RegisterWorker),
      responses: {
        200: json(RegisteredWorker, "The worker as the server will serve it."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "PAYLOAD_TOO_LARGE", "SERVICE_UNAVAILABLE"),
      },
    }),
    async (c) => c.json(await (await remote()).register(c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/worker/workers",
      ...common,
      summary: "List registered workers",
      description:
        "Workers registered over the protocol: running, draining, or stopped within the last minute.",
      middleware: [guard("worker")] as const,
      responses: {
        200: json(WorkerList, "The workers."),
        ...errorResponses(...AUTH_ERRORS),
      },
    }),
    async (c) => c.json(await (await remote()).list(), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/worker/workers/{worker_id}/claims",
      ...common,
      summary: "Claim ready steps",
      description:
        "Claims up to `max_steps` ready steps of the worker's namespaces, each with a lease; waits up to `wait_ms` for one when none is ready (long poll). An empty list means none came in time.",
      middleware: [guard("worker"), jsonBody()] as const,
      request: { params: WorkerParams, ...body(ClaimRequest) },
      responses: {
        200: json(ClaimResponse, "The claimed steps (possibly none)."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND", "PAYLOAD_TOO_LARGE"),
      },
    }),
    async (c) => {
      const steps = await (await remote()).claim(
        c.req.valid("param").worker_id,
        c.req.valid("json"),
        c.req.raw.signal,
      );
      return c.json({ steps }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/worker/workers/{worker_id}/results",
      ...common,
      summary: "Report a step's outcome",
      description:
        "Stores one attempt's result or error and advances the task. With `continue`, the answer carries the next step of the task the result made ready, already claimed for this worker (`next`). A claim token that is not this worker's current claim (a duplicate, or a lease that passed to another worker) answers 409 and changes nothing.",
      middleware: [guard("worker"), jsonBody(maxResultBodyBytes)] as const,
      request: { params: WorkerParams, ...body(ReportResult) },
      responses: {
        200: json(ReportResponse, "The outcome was stored."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND", "CONFLICT", "PAYLOAD_TOO_LARGE"),
      },
    }),
    async (c) =>
      c.json(await (await remote()).report(c.req.valid("param").worker_id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/worker/workers/{worker_id}/checkpoint",
      ...common,
      summary: "Save a running step's checkpoint",
      description:
        "Saves where a running step has got to (a cursor and what else its handler needs to go on) and extends its lease. A later attempt of the step (after a crash, a timeout or a retryable failure) gets it in its claim as `checkpoint` and resumes from there. A claim token that is not this worker's current claim answers 409 and saves nothing.",
      middleware: [guard("worker"), jsonBody()] as const,
      request: { params: WorkerParams, ...body(CheckpointRequest) },
      responses: {
        200: json(CheckpointResponse, "The checkpoint was saved."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND", "CONFLICT", "PAYLOAD_TOO_LARGE"),
      },
    }),
    async (c) =>
      c.json(await (await remote()).checkpoint(c.req.valid("param").worker_id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/worker/workers/{worker_id}/heartbeat",
      ...common,
      summary: "Extend leases",
      description:
        "Extends the leases of the named claims and says of each whether it is held, its task was cancelled (stop the handler), or it is lost (drop the attempt). Send it every `heartbeat_interval_ms` while steps run.",
      middleware: [guard("worker"), jsonBody()] as const,
      request: { params: WorkerParams, ...body(HeartbeatRequest) },
      responses: {
        200: json(HeartbeatResponse, "Each claim's status."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND", "PAYLOAD_TOO_LARGE"),
      },
    }),
    async (c) =>
      c.json(await (await remote()).heartbeat(c.req.valid("param").worker_id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/worker/workers/{worker_id}/drain",
      ...common,
      summary: "Stop claiming",
      description:
        "The worker gets no more steps; the steps it runs may still report and heartbeat. Deregister once they are done.",
      middleware: [guard("worker")] as const,
      request: { params: WorkerParams },
      responses: {
        204: { description: "Draining." },
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND"),
      },
    }),
    async (c) => {
      await (await remote()).drain(c.req.valid("param").worker_id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/worker/workers/{worker_id}",
      ...common,
      summary: "Deregister a worker",
      description:
        "Marks the worker stopped and hands the claims it still holds back to the queue at once, without counting their attempt.",
      middleware: [guard("worker")] as const,
      request: { params: WorkerParams },
      responses: {
        200: json(DeregisterResponse, "Deregistered."),
        ...errorResponses("BAD_REQUEST", ...AUTH_ERRORS, "NOT_FOUND"),
      },
    }),
    async (c) => {
      const { worker_id } = c.req.valid("param");
      const released = await (await remote()).deregister(worker_id);
      return c.json({ worker_id, released_steps: released }, 200);
    },
  );
}
