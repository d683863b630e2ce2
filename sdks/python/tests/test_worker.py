"""The worker against a real server: every handler style, typed inputs, errors, retries,
timeouts, cancellation, drain on stop, discovery and the task-finished hook."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tasker_sdk import (
    HandlerRegistry,
    PermanentError,
    RetryableError,
    StepContext,
    StepHandler,
    TaskerClient,
    TaskFinished,
    Worker,
    handler,
)
from tasker_sdk.handlers import HandlerLike
from tasker_sdk.testing import TaskerServer

TEMPLATES = Path(__file__).parent / "templates"


class OrderContext(BaseModel):
    qty: int


class Priced(BaseModel):
    unit_price: float
    total: float


class ChargeDeps(BaseModel):
    price: Priced


class Price(StepHandler):
    callable = "sdk_test.price"
    inputs = OrderContext

    async def call(self, ctx: StepContext[OrderContext, Any]) -> Priced:
        unit = float(ctx.initialization["unit_price"])
        return Priced(unit_price=unit, total=unit * ctx.input.qty)


@handler("sdk_test.charge", inputs=OrderContext, depends=ChargeDeps)
async def charge(ctx: StepContext[OrderContext, ChargeDeps]) -> dict[str, Any]:
    assert ctx.attempt == 1 and ctx.max_attempts == 3
    return {"charged": ctx.deps.price.total, "qty": ctx.input.qty, "task": ctx.task_name}


THREADS: list[str] = []


@handler("sdk_test.receipt", depends={"charge": BaseModel, "price": Priced})
def receipt(ctx: StepContext[dict[str, Any], Any]) -> dict[str, Any]:
    THREADS.append(threading.current_thread().name)
    return {"line": f"{ctx.dependency_results['charge']['qty']} x {ctx.result('price', Priced).unit_price}"}


SEEN: dict[str, Any] = {}


@handler("sdk_test.behave")
async def behave(ctx: StepContext[dict[str, Any], Any]) -> dict[str, Any]:
    mode = str(ctx.context.get("mode"))
    SEEN.setdefault(mode, []).append(ctx.attempt)
    if mode == "retry_after" and ctx.attempt == 1:
        raise RetryableError("not yet", code="warming_up", retry_after=0.2)
    if mode == "permanent":
        raise PermanentError("no way", code="refused", metadata={"why": "test"})
    if mode == "crash" and ctx.attempt < 2:
        raise KeyError("oops")
    if mode in ("sleep", "wait_cancel"):
        try:
            await ctx.sleep(float(ctx.context.get("seconds", 1)))
        except Exception:
            SEEN[f"{mode}_stopped_by"] = ctx.signal.reason
            raise
    return {"mode": mode, "attempt": ctx.attempt}


@handler("sdk_test.spin")
def spin(ctx: StepContext[Any, Any]) -> dict[str, Any]:
    while True:
        ctx.raise_if_cancelled()
        time.sleep(0.05)


ALL: list[HandlerLike] = [Price, charge, receipt, behave, spin]


@asynccontextmanager
async def running_worker(server: TaskerServer, handlers: Any = ALL, **options: Any) -> AsyncIterator[Worker]:
    worker = Worker(
        url=server.url,
        api_key=server.worker_key,
        namespaces=["sdk_test"],
        handlers=handlers,
        claim_wait_ms=2000,
        **options,
    )
    async with worker.lifespan():
        yield worker


async def wait_until(probe: Callable[[], bool], timeout: float = 10) -> None:
    until = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < until, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_every_handler_style_runs_the_chain(server: TaskerServer, client: TaskerClient) -> None:
    async with running_worker(server) as worker:
        created = await client.create_task("typed_chain", "sdk_test", context={"qty": 4})
        task = await client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
        assert task.status == "complete"
        assert task.completion_percentage == 100
        steps = {s.name: s for s in await client.list_steps(task.task_uuid)}
        assert steps["price"].results == {"unit_price": 2.5, "total": 10.0}
        assert steps["charge"].results == {"charged": 10.0, "qty": 4, "task": "typed_chain"}
        assert steps["receipt"].results == {"line": "4 x 2.5"}
        assert THREADS and THREADS[-1].startswith("tasker-step")
        assert worker.status().completed >= 3


async def test_a_context_that_does_not_match_is_a_permanent_error_naming_the_fields(
    server: TaskerServer, client: TaskerClient
) -> None:
    async with running_worker(server):
        created = await client.create_task("typed_chain", "sdk_test", context={"qty": "many"})
        task = await client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
    assert task.status == "error"
    price = await client.step_by_name(task.task_uuid, "price")
    assert price.attempts == 1
    assert price.error is not None
    assert price.error.code == "invalid_input"
    assert price.error.retryable is False
    assert "invalid task context: qty:" in price.error.message
    assert price.error.metadata and price.error.metadata["issues"][0]["path"] == "qty"


async def test_retryable_error_with_retry_after_and_unexpected_errors(
    server: TaskerServer, client: TaskerClient
) -> None:
    async with running_worker(server):
        flaky = await client.create_task("behave", "sdk_test", context={"mode": "retry_after"})
        crash = await client.create_task("behave", "sdk_test", context={"mode": "crash"})
        # The template's backoff is 5 s; retry_after asks for 0.2 s instead.
        started = time.monotonic()
        done = await client.wait_for_completion(flaky.task.task_uuid, timeout=20, interval=0.1)
        assert time.monotonic() - started < 4.5
        crashed = await client.wait_for_completion(crash.task.task_uuid, timeout=20, interval=0.1)
    assert done.status == "complete"
    only = await client.step_by_name(done.task_uuid, "only")
    assert only.attempts == 2
    assert only.results == {"mode": "retry_after", "attempt": 2}
    assert crashed.status == "complete"
    assert (await client.step_by_name(crashed.task_uuid, "only")).attempts == 2


async def test_permanent_error_keeps_code_and_metadata(server: TaskerServer, client: TaskerClient) -> None:
    finished: list[TaskFinished] = []
    async with running_worker(server, on_task_finished=finished.append):
        created = await client.create_task("behave", "sdk_test", context={"mode": "permanent"})
        task = await client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
        await wait_until(lambda: any(f.task_uuid == task.task_uuid for f in finished))
    # The report's answer said the task ended: the hook saw it without polling.
    assert [f.status for f in finished if f.task_uuid == task.task_uuid] == ["error"]
    assert task.status == "error"
    step = await client.step_by_name(task.task_uuid, "only")
    assert step.attempts == 1
    assert step.error is not None
    assert (step.error.message, step.error.code, step.error.kind) == ("no way", "refused", "permanent")
    assert step.error.metadata == {"why": "test"}


async def test_a_sync_handler_past_its_deadline_is_reported_as_a_timeout(
    server: TaskerServer, client: TaskerClient
) -> None:
    async with running_worker(server):
        created = await client.create_task("sync_timeout", "sdk_test")
        task = await client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
    assert task.status == "error"
    step = await client.step_by_name(task.task_uuid, "spin")
    assert step.error is not None
    assert (step.error.code, step.error.kind) == ("timeout", "timeout")


async def test_a_cancelled_task_stops_its_running_handler(server: TaskerServer, client: TaskerClient) -> None:
    # A 5 s lease: heartbeats every ~1.7 s carry the cancel to the worker.
    async with running_worker(server, lease_seconds=5) as worker:
        created = await client.create_task(
            "behave", "sdk_test", context={"mode": "wait_cancel", "seconds": 30}
        )
        await wait_until(lambda: worker.status().in_flight == 1)
        await client.cancel_task(created.task.task_uuid, reason="changed my mind")
        await wait_until(lambda: "wait_cancel_stopped_by" in SEEN, timeout=8)
        await wait_until(lambda: worker.status().in_flight == 0)
    assert SEEN["wait_cancel_stopped_by"] == "cancelled"


async def test_stop_drains_running_steps_before_deregistering(
    server: TaskerServer, client: TaskerClient
) -> None:
    worker = Worker(
        url=server.url, api_key=server.worker_key, namespaces=["sdk_test"], handlers=ALL, claim_wait_ms=2000
    )
    first = await worker.start()
    again = await worker.start()
    assert (first.status, again.status) == ("started", "already_running")
    assert worker.status().running
    created = await client.create_task("behave", "sdk_test", context={"mode": "sleep", "seconds": 1})
    await wait_until(lambda: worker.status().in_flight == 1)
    await worker.stop()
    await worker.stop()  # idempotent
    assert not worker.status().running
    step = await client.step_by_name(created.task.task_uuid, "only")
    assert step.current_state == "complete"
    assert step.results == {"mode": "sleep", "attempt": 1}
    workers = (await client._http.request("GET", "/v1/worker/workers"))[1]["workers"]
    assert next(w for w in workers if w["worker_id"] == worker.worker_id)["status"] == "stopped"


async def test_a_worker_that_cannot_register_says_why(server: TaskerServer) -> None:
    worker = Worker(
        url=server.url, api_key="wrong-key-0000000000000000", namespaces=["sdk_test"], handlers=ALL
    )
    result = await worker.start()
    assert (result.success, result.status) == (False, "error")
    assert "401" in result.message
    assert not worker.status().running


async def test_discovery_templates_and_the_finished_hook(server: TaskerServer, client: TaskerClient) -> None:
    registry = HandlerRegistry().discover("tests.sample_handlers")
    assert registry.callables() == ["sdk_test.goodbye", "sdk_test.hello"]
    finished: list[TaskFinished] = []
    async with running_worker(
        server,
        handlers=registry,
        templates=[TEMPLATES / "discovered.yaml"],
        on_task_finished=finished.append,
    ):
        created = await client.create_task("discovered", "sdk_test", context={"who": "ada"})
        task = await client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
        await wait_until(lambda: any(f.task_uuid == task.task_uuid for f in finished))
    assert task.status == "complete"
    assert (await client.step_by_name(task.task_uuid, "goodbye")).results == {"farewell": "goodbye ada"}
    event = next(f for f in finished if f.task_uuid == task.task_uuid)
    assert (event.status, event.namespace, event.step_name) == ("complete", "sdk_test", "goodbye")


async def test_a_step_without_a_handler_is_not_handed_to_the_worker(
    server: TaskerServer, client: TaskerClient
) -> None:
    # The server hands a worker only the callables it registered: the step waits for a worker
    # that has its handler, never attempted, instead of failing here.
    async with running_worker(server, handlers=[behave]):
        created = await client.create_task("typed_chain", "sdk_test", context={"qty": 1})
        await asyncio.sleep(2)
        step = await client.step_by_name(created.task.task_uuid, "price")
    assert (step.current_state, step.attempts) == ("enqueued", 0)
    await client.cancel_task(created.task.task_uuid)
