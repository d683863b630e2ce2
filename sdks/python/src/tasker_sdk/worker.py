"""The worker: runs Python step handlers for an orchestration server over the worker protocol
(docs/worker-protocol.md), with no database access.

It registers (after the app's templates), long-polls for claims while it has free slots, runs
each claimed step with its deadline, reports the outcome and goes straight on with the ``next``
step the answer carries, keeps its leases with heartbeats (stopping a handler whose task was
cancelled or whose claim was lost), and on stop drains, lets running steps finish, then
deregisters.

In a FastAPI app::

    worker = Worker(url=..., api_key=..., namespaces=["ecommerce_py"], handlers=registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with worker.lifespan():
            yield
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic_core import to_jsonable_python

from . import __version__
from .client import read_templates
from .context import CancellationSignal, StepContext, StopReason
from .errors import (
    CheckpointRefusedError,
    HandlerError,
    PermanentError,
    RetryableError,
    TaskerApiError,
    TaskerConnectionError,
)
from .handlers import HandlerLike, HandlerRegistry
from .http import ApiTransport, encode_json
from .models import (
    TERMINAL_TASK_STATES,
    CheckpointResponse,
    ClaimedStep,
    ClaimResponse,
    HeartbeatResponse,
    RegisteredWorker,
    ReportResponse,
)

SDK = {"name": "tasker-sdk-python", "version": __version__}
RETRY_FIRST = 0.1
RETRY_MAX = 5.0
#: How long a stopped handler may take to end by itself before its task is cancelled.
STOP_GRACE = 0.5

logger = logging.getLogger("tasker_sdk.worker")


@dataclass(frozen=True)
class StartResult:
    """What ``Worker.start()`` says, like ``bootstrapWorker``: it never raises."""

    success: bool
    status: Literal["started", "already_running", "error"]
    message: str
    worker_id: str


@dataclass(frozen=True)
class WorkerStatus:
    worker_id: str
    running: bool
    namespaces: list[str]
    handlers: list[str]
    in_flight: int
    completed: int
    failed: int


@dataclass(frozen=True)
class TaskFinished:
    """A report's answer said the task reached a terminal state (``complete``, ``error``, ...)."""

    task_uuid: str
    task_name: str
    namespace: str
    correlation_id: str
    status: str
    step_name: str


@dataclass
class _Running:
    claim: ClaimedStep
    signal: CancellationSignal
    stopped_by: StopReason | None = None


@dataclass
class _Outcome:
    ok: bool
    result: Any = None
    error: dict[str, Any] = field(default_factory=dict)


class Worker:
    """Runs handlers over the worker protocol. ``start``/``stop`` are idempotent; ``lifespan()``
    wraps them for FastAPI (or any ``async with``)."""

    def __init__(
        self,
        *,
        url: str,
        namespaces: Iterable[str],
        handlers: HandlerRegistry | Iterable[HandlerLike],
        api_key: str | None = None,
        worker_id: str | None = None,
        concurrency: int = 10,
        lease_seconds: int = 30,
        claim_wait_ms: int = 10_000,
        shutdown_timeout: float = 30.0,
        templates: Iterable[str | Path] = (),
        on_task_finished: Callable[[TaskFinished], Awaitable[None] | None] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.namespaces = list(dict.fromkeys(namespaces))
        if not self.namespaces:
            raise ValueError("a worker needs at least one namespace")
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.registry = handlers if isinstance(handlers, HandlerRegistry) else HandlerRegistry(handlers)
        self.url = url
        self.api_key = api_key
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.claim_wait_ms = claim_wait_ms
        self.shutdown_timeout = shutdown_timeout
        self.template_paths = list(templates)
        self.on_task_finished = on_task_finished
        self._requested_id = worker_id
        self._http_client = http_client
        self._http: ApiTransport | None = None
        self._registration: RegisteredWorker | None = None
        self._running = False
        self._lock = asyncio.Lock()
        self._in_flight: dict[str, _Running] = {}
        self._busy_slots = 0
        self._slot_freed = asyncio.Event()
        self._chains: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._shutting_down = False
        self.completed = 0
        self.failed = 0

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def worker_id(self) -> str:
        if self._registration is not None:
            return self._registration.worker_id
        return self._requested_id or ""

    @property
    def running(self) -> bool:
        return self._running

    @property
    def registration(self) -> RegisteredWorker | None:
        return self._registration

    async def start(self) -> StartResult:
        """Registers the templates and the worker and starts claiming. Never raises: the result
        says ``started``, ``already_running`` or ``error`` (with the reason)."""
        async with self._lock:
            if self._running:
                return StartResult(
                    True, "already_running", f"worker {self.worker_id} is already running", self.worker_id
                )
            try:
                await self._start()
            except Exception as err:
                await self._close_transport()
                return StartResult(False, "error", f"the worker did not start: {err}", self.worker_id)
            return StartResult(
                True,
                "started",
                f"worker {self.worker_id} serving {', '.join(self.namespaces)} "
                f"({len(self.registry)} handlers, concurrency {self.concurrency}) on {self.url}",
                self.worker_id,
            )

    async def _start(self) -> None:
        self._http = ApiTransport(
            self.url, api_key=self.api_key, client=self._http_client, max_connections=self.concurrency + 4
        )
        for text in read_templates(self.template_paths):
            await self._http.request("POST", "/v1/templates", {"yaml": text})
        await self._register()
        self._running = True
        self._shutting_down = False
        self._executor = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="tasker-step")
        self._loop_task = asyncio.create_task(self._claim_loop(), name="tasker-claim-loop")
        self._heartbeat_task = asyncio.create_task(self._heartbeat_loop(), name="tasker-heartbeat")
        logger.info("worker %s started: namespaces %s, server %s", self.worker_id, self.namespaces, self.url)

    async def stop(self) -> None:
        """Drains (no more claims), lets running steps finish within ``shutdown_timeout``, stops
        the rest, then deregisters (their claims go back to the queue). Safe to call twice."""
        async with self._lock:
            if not self._running:
                return
            self._running = False
            http = self._http
            assert http is not None
            with contextlib.suppress(Exception):
                await http.request("POST", f"/v1/worker/workers/{self.worker_id}/drain")
            if self._loop_task is not None:
                self._loop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._loop_task
            if not await self._drained(self.shutdown_timeout):
                # Handlers still running are told to stop; the deregistration hands their claims back.
                self._shutting_down = True
                for running in list(self._in_flight.values()):
                    running.signal.set("shutdown")
                await self._drained(5.0)
            for chain in list(self._chains):
                chain.cancel()
            if self._heartbeat_task is not None:
                self._heartbeat_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._heartbeat_task
            try:
                await http.request("DELETE", f"/v1/worker/workers/{self.worker_id}")
            except Exception as err:
                logger.warning("worker %s could not deregister: %s", self.worker_id, err)
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
            await self._close_transport()
            logger.info(
                "worker %s stopped (completed %d, failed %d)", self.worker_id, self.completed, self.failed
            )

    def status(self) -> WorkerStatus:
        return WorkerStatus(
            worker_id=self.worker_id,
            running=self._running,
            namespaces=list(self.namespaces),
            handlers=self.registry.callables(),
            in_flight=len(self._in_flight),
            completed=self.completed,
            failed=self.failed,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[Worker]:
        """``async with worker.lifespan():`` starts the worker (raising when it cannot) and stops
        it on exit: the shape of a FastAPI lifespan."""
        started = await self.start()
        if not started.success:
            raise RuntimeError(started.message)
        try:
            yield self
        finally:
            await self.stop()

    async def _close_transport(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _register(self) -> None:
        assert self._http is not None
        body: dict[str, Any] = {
            "namespaces": self.namespaces,
            "handlers": self.registry.callables(),
            "concurrency": self.concurrency,
            "lease_seconds": self.lease_seconds,
            "sdk": SDK,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        }
        if self._requested_id:
            body["worker_id"] = self._requested_id
        _, answer = await self._http.request("POST", "/v1/worker/workers", body)
        self._registration = RegisteredWorker.model_validate(answer)

    # --- claiming ------------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        backoff = RETRY_FIRST
        http = self._http
        assert http is not None
        while self._running:
            free = self.concurrency - self._busy_slots
            if free <= 0:
                self._slot_freed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._slot_freed.wait(), 1.0)
                continue
            reg = self._registration
            max_steps = min(free, reg.max_steps_per_claim if reg else 100)
            wait_ms = min(self.claim_wait_ms, reg.max_claim_wait_ms if reg else 30_000)
            try:
                _, answer = await http.request(
                    "POST",
                    f"/v1/worker/workers/{self.worker_id}/claims",
                    {"max_steps": max_steps, "wait_ms": wait_ms},
                    timeout=wait_ms / 1000 + 10,
                )
                steps = ClaimResponse.model_validate(answer).steps
                backoff = RETRY_FIRST
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if not self._running:
                    return
                if isinstance(err, TaskerApiError) and err.status == 404:
                    with contextlib.suppress(Exception):
                        await self._register()
                logger.error("claiming steps failed (retry in %.1f s): %s", backoff, err)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RETRY_MAX)
                continue
            for claim in steps:
                self._busy_slots += 1
                task = asyncio.create_task(self._run_chain(claim), name=f"tasker-step-{claim.step_name}")
                self._chains.add(task)
                task.add_done_callback(self._chains.discard)

    async def _run_chain(self, first: ClaimedStep) -> None:
        """Runs a claimed step, then each ``next`` step the server claimed with its result."""
        claim: ClaimedStep | None = first
        try:
            while claim is not None:
                running = _Running(claim=claim, signal=CancellationSignal())
                self._in_flight[claim.claim_token] = running
                try:
                    outcome = await self._execute(running)
                    if running.stopped_by == "lost":
                        return
                    if running.stopped_by == "shutdown":
                        return  # handed back by the deregistration
                    claim = await self._report(claim, outcome)
                finally:
                    self._in_flight.pop(running.claim.claim_token, None)
        finally:
            self._busy_slots -= 1
            self._slot_freed.set()

    # --- running one attempt -------------------------------------------------------------------

    async def _execute(self, running: _Running) -> _Outcome:
        claim = running.claim
        handler = self.registry.get(claim.handler_callable)
        if handler is None:
            return _Outcome(
                ok=False,
                error={
                    "message": f'no handler is registered for callable "{claim.handler_callable}" on worker '
                    f"{self.worker_id}; register it (registered: {', '.join(self.registry.callables()) or 'none'})",
                    "retryable": False,
                    "code": "handler_missing",
                    "kind": "handler_missing",
                },
            )
        deadline = _parse_time(claim.deadline)
        seconds_left = max(0.001, deadline.timestamp() - time.time())
        timeout = min(float(claim.timeout_seconds), seconds_left)
        ctx: StepContext[Any, Any] = StepContext(
            task_uuid=claim.task_uuid,
            step_uuid=claim.step_uuid,
            step_name=claim.step_name,
            task_name=claim.task_name,
            namespace=claim.namespace,
            version=claim.version,
            correlation_id=claim.correlation_id,
            handler_callable=claim.handler_callable,
            attempt=claim.attempt,
            max_attempts=claim.max_attempts,
            timeout_seconds=claim.timeout_seconds,
            deadline=deadline,
            initialization=claim.initialization,
            context=claim.context,
            dependency_results=claim.dependency_results,
            input=claim.context,
            deps=claim.dependency_results,
            signal=running.signal,
            logger=logging.LoggerAdapter(
                logging.getLogger(f"tasker_sdk.handler.{claim.handler_callable}"),
                {"task_uuid": claim.task_uuid, "step_uuid": claim.step_uuid, "step": claim.step_name},
            ),
            resume_from=claim.checkpoint,
            batch_config=claim.batch_config,
            _monotonic_deadline=time.monotonic() + timeout,
            _checkpointer=lambda value: self._checkpoint(running, value),
        )
        work = asyncio.create_task(handler.run(ctx, self._executor))
        stop = asyncio.create_task(running.signal.wait())
        done, _ = await asyncio.wait({work, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            stop.cancel()
            return self._outcome_of(work, ctx)
        # Timed out, or stopped by the server / shutdown: the attempt ends now, whatever the handler does.
        if stop not in done:
            running.signal.set("timeout")
        stop.cancel()
        reason = running.signal.reason
        running.stopped_by = reason
        # The handler sees the signal (ctx.sleep raises, ctx.cancelled is True): a moment to end on
        # its own and clean up, then its task is cancelled. A sync handler's thread cannot be
        # stopped from outside; it only sees the signal.
        await asyncio.wait({work}, timeout=STOP_GRACE)
        if not work.done():
            work.cancel()
            await asyncio.wait({work}, timeout=1.0)
        if work.done() and not work.cancelled():
            work.exception()  # retrieved, so asyncio does not log it as never retrieved
        if reason == "timeout":
            return _Outcome(
                ok=False,
                error={
                    "message": f"step timed out after {claim.timeout_seconds}s (timeout_seconds); it will be "
                    "retried while attempts remain",
                    "retryable": True,
                    "code": "timeout",
                    "kind": "timeout",
                },
            )
        return _Outcome(
            ok=False,
            error={
                "message": f"the attempt was stopped: {reason}",
                "retryable": True,
                "code": "cancelled" if reason == "cancelled" else reason,
            },
        )

    def _outcome_of(self, work: asyncio.Task[Any], ctx: StepContext[Any, Any]) -> _Outcome:
        if work.cancelled():
            return _Outcome(
                ok=False,
                error={"message": "the handler was cancelled", "retryable": True, "code": "cancelled"},
            )
        err = work.exception()
        if err is None:
            return _Outcome(ok=True, result=work.result())
        return _Outcome(ok=False, error=describe_error(err, ctx))

    async def _checkpoint(self, running: _Running, value: dict[str, Any]) -> None:
        """Saves a running step's checkpoint with its claim token (docs/worker-protocol.md#checkpoints)."""
        http = self._http
        if http is None:
            raise CheckpointRefusedError("the worker is stopped: checkpoint not saved")
        body = {"claim_token": running.claim.claim_token, "checkpoint": value}
        try:
            _, answer = await http.request("POST", f"/v1/worker/workers/{self.worker_id}/checkpoint", body)
        except TaskerApiError as err:
            if err.status == 409:
                raise CheckpointRefusedError(
                    f"checkpoint not saved: the attempt no longer holds its step ({err})"
                ) from err
            if err.status in (400, 413):
                raise PermanentError(f"checkpoint not saved: {err}", code="invalid_checkpoint") from err
            raise
        if CheckpointResponse.model_validate(answer).status == "cancelled":
            running.signal.set("cancelled")

    # --- reporting -----------------------------------------------------------------------------

    async def _report(self, claim: ClaimedStep, outcome: _Outcome) -> ClaimedStep | None:
        """Reports an outcome, retrying while the server is away for up to half the lease (after
        that the step runs again elsewhere anyway). Returns the next claimed step, if any."""
        http = self._http
        assert http is not None
        content, reported_ok = self._encode_report(claim, outcome)
        started = time.monotonic()
        lease = self._registration.lease_seconds if self._registration else self.lease_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                _, answer = await http.request(
                    "POST", f"/v1/worker/workers/{self.worker_id}/results", content=content
                )
            except TaskerApiError as err:
                if err.status < 500:
                    # 409: a duplicate, or the lease passed to another worker: nothing stored, by design.
                    logger.warning("result of step %s not stored: %s", claim.step_uuid, err)
                    return None
                problem: Exception = err
            except TaskerConnectionError as err:
                problem = err
            else:
                response = ReportResponse.model_validate(answer)
                if reported_ok:
                    self.completed += 1
                else:
                    self.failed += 1
                await self._notify_finished(claim, response)
                return response.next
            delay = min(RETRY_FIRST * 2 ** (attempt - 1), RETRY_MAX)
            if time.monotonic() + delay - started > lease / 2:
                logger.error(
                    "reporting step %s failed; it runs again after its lease: %s", claim.step_uuid, problem
                )
                return None
            await asyncio.sleep(delay)

    def _encode_report(self, claim: ClaimedStep, outcome: _Outcome) -> tuple[bytes, bool]:
        """The report as JSON bytes; an outcome over ``max_result_bytes`` (or that JSON cannot
        hold) becomes a permanent failure instead."""
        limit = self._registration.max_result_bytes if self._registration else None
        cont = self._running
        if outcome.ok:
            body_outcome: dict[str, Any] = {"status": "success", "result": None}
            try:
                body_outcome["result"] = to_jsonable_python(outcome.result)
                encoded = encode_json(body_outcome)
            except (TypeError, ValueError) as err:
                return self._encode_failure(
                    claim,
                    {
                        "message": f"the handler's result cannot be sent as JSON: {err}; return plain data "
                        "(dicts, lists, str, int, float, bool, None, or a pydantic model)",
                        "retryable": False,
                        "code": "unserializable_result",
                    },
                    cont,
                ), False
            payload = "result"
        else:
            body_outcome = {"status": "failure", "error": outcome.error}
            try:
                encoded = encode_json(body_outcome)
            except (TypeError, ValueError):
                body_outcome["error"] = {**outcome.error, "metadata": {"unserializable_metadata": True}}
                encoded = encode_json(body_outcome)
            payload = "error"
        if limit is not None and len(encoded) > limit:
            return self._encode_failure(
                claim,
                {
                    "message": f"the handler's {payload} is {len(encoded)} bytes as JSON, over the server's limit "
                    f"of {limit} bytes (max_result_bytes); store large data elsewhere and return a reference",
                    "retryable": False,
                    "code": "result_too_large",
                    "metadata": {"bytes": len(encoded), "limit": limit},
                },
                cont,
            ), False
        body = (
            b'{"claim_token":'
            + encode_json(claim.claim_token)
            + b',"outcome":'
            + encoded
            + b',"continue":'
            + (b"true" if cont else b"false")
            + b"}"
        )
        return body, outcome.ok

    @staticmethod
    def _encode_failure(claim: ClaimedStep, error: dict[str, Any], cont: bool) -> bytes:
        return encode_json(
            {
                "claim_token": claim.claim_token,
                "outcome": {"status": "failure", "error": error},
                "continue": cont,
            }
        )

    async def _notify_finished(self, claim: ClaimedStep, response: ReportResponse) -> None:
        if self.on_task_finished is None or response.task_status not in TERMINAL_TASK_STATES:
            return
        event = TaskFinished(
            task_uuid=claim.task_uuid,
            task_name=claim.task_name,
            namespace=claim.namespace,
            correlation_id=claim.correlation_id,
            status=response.task_status or "",
            step_name=claim.step_name,
        )
        try:
            result = self.on_task_finished(event)
            if result is not None:
                await result
        except Exception:
            logger.exception("on_task_finished failed for task %s", claim.task_uuid)

    # --- leases --------------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        interval = (self._registration.heartbeat_interval_ms if self._registration else 10_000) / 1000
        while True:
            await asyncio.sleep(interval)
            await self._beat()

    async def _beat(self) -> None:
        http = self._http
        if http is None:
            return
        tokens = list(self._in_flight)
        try:
            _, answer = await http.request(
                "POST", f"/v1/worker/workers/{self.worker_id}/heartbeat", {"claim_tokens": tokens}
            )
        except asyncio.CancelledError:
            raise
        except Exception as err:
            logger.warning("heartbeat failed: %s", err)
            return
        for c in HeartbeatResponse.model_validate(answer).claims:
            if c.status == "held":
                continue
            running = self._in_flight.get(c.claim_token)
            if running is not None:
                running.signal.set(c.status)
                logger.info("step %s stopped by the server (%s)", running.claim.step_uuid, c.status)

    async def _drained(self, timeout: float) -> bool:
        until = time.monotonic() + timeout
        while self._busy_slots > 0:
            left = until - time.monotonic()
            if left <= 0:
                return False
            self._slot_freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._slot_freed.wait(), min(0.1, left))
        return True


def describe_error(err: BaseException, ctx: StepContext[Any, Any] | None = None) -> dict[str, Any]:
    """A raised exception as the protocol's error: PermanentError / RetryableError keep their code,
    metadata and retry delay; anything else is retryable (a bug or a blip looks the same from
    here; attempts bound it), coded by its class name."""
    if isinstance(err, HandlerError):
        error: dict[str, Any] = {
            "message": err.message or type(err).__name__,
            "retryable": err.retryable,
            "code": err.code,
            "metadata": err.metadata,
            "kind": "retryable" if err.retryable else "permanent",
        }
        if isinstance(err, RetryableError) and err.retry_after is not None:
            error["retry_after_ms"] = min(int(err.retry_after * 1000), 604_800_000)
        return error
    message = str(err) or type(err).__name__
    if ctx is not None:
        ctx.logger.warning("handler raised %s (treated as retryable): %s", type(err).__name__, message[:1000])
    return {"message": message[:10_000], "retryable": True, "code": type(err).__name__, "kind": "retryable"}


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
