"""What a handler gets for one attempt of a step: who it is, its inputs, and a cancellation signal."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import CheckpointRefusedError, PermanentError, StepCancelledError, StepTimeoutError
from .outcomes import BatchInputs

# Saves a checkpoint for the attempt (the worker's POST .../checkpoint with the claim token).
Checkpointer = Callable[[dict[str, Any]], Awaitable[None]]

InputT = TypeVar("InputT")
DepsT = TypeVar("DepsT")
M = TypeVar("M", bound=BaseModel)

StopReason = Literal["timeout", "cancelled", "lost", "shutdown"]


class CancellationSignal:
    """Set once when the attempt must stop: its deadline passed (``timeout``), the server said the
    task was cancelled (``cancelled``) or the claim is another worker's now (``lost``), or the
    worker is shutting down (``shutdown``). Usable from async handlers (``await signal.wait()``,
    ``await ctx.sleep(...)``) and from sync handlers running in a thread (``signal.is_set()``,
    ``signal.wait_sync(timeout)``)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._thread_event = threading.Event()
        self._loop = asyncio.get_running_loop()
        self.reason: StopReason | None = None

    def is_set(self) -> bool:
        return self._thread_event.is_set()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The worker's event loop (sync handlers run in threads and call back into it)."""
        return self._loop

    @property
    def cancelled(self) -> bool:
        return self.is_set()

    def set(self, reason: StopReason) -> None:
        """Stops the attempt (the worker calls it; handlers only read it)."""
        if self._thread_event.is_set():
            return
        self.reason = reason
        self._thread_event.set()
        self._event.set()

    async def wait(self) -> StopReason:
        await self._event.wait()
        assert self.reason is not None
        return self.reason

    def wait_sync(self, timeout: float | None = None) -> bool:
        """For sync handlers: blocks up to ``timeout`` seconds; True when the signal fired."""
        return self._thread_event.wait(timeout)

    def error(self) -> Exception:
        if self.reason == "timeout":
            return StepTimeoutError("the step's deadline passed (timeout_seconds)")
        return StepCancelledError(f"the attempt was stopped ({self.reason})")


@dataclass
class StepContext(Generic[InputT, DepsT]):
    """One attempt of one step. ``input`` is the task context (a model instance when the handler
    declared ``inputs``), ``deps`` the ancestors' results (a model instance when it declared
    ``depends``); ``context`` and ``dependency_results`` are always the raw JSON."""

    task_uuid: str
    step_uuid: str
    step_name: str
    task_name: str
    namespace: str
    version: str
    correlation_id: str
    handler_callable: str
    attempt: int
    max_attempts: int
    timeout_seconds: int
    deadline: datetime
    initialization: dict[str, Any]
    context: dict[str, Any]
    dependency_results: dict[str, Any]
    input: InputT
    deps: DepsT
    signal: CancellationSignal
    logger: logging.LoggerAdapter[logging.Logger]
    resume_from: dict[str, Any] | None = None
    """The last checkpoint an earlier attempt of this step saved (``ctx.checkpoint``), or None on a
    fresh start: resume from it."""
    batch_config: dict[str, Any] | None = None
    """A batchable step's template ``batch_config`` (``batch_size``, ``parallelism``,
    ``cursor_field``, ``worker_template``, ``failure_strategy``): plan its batches with it
    (``plan_batches(rows, ctx.batch_config["batch_size"])``). None for other steps."""
    _monotonic_deadline: float = field(default=0.0, repr=False)
    _checkpointer: Checkpointer | None = field(default=None, repr=False)

    @property
    def batch(self) -> BatchInputs:
        """A batch worker instance's batch (cursor range, batch id, ``no_op``...); a permanent error
        on a step that is not a batch worker instance."""
        batch = BatchInputs.from_initialization(self.initialization)
        if batch is None:
            raise PermanentError(
                f'step "{self.step_name}" is not a batch worker instance: it has no initialization.batch',
                code="not_a_batch_worker",
            )
        return batch

    async def checkpoint(self, value: dict[str, Any]) -> None:
        """Saves where the step has got to (a JSON object of at most 64 KiB, by convention with a
        ``cursor``) and extends the lease; the step's next attempt gets it as ``resume_from``.
        Raises CheckpointRefusedError once the attempt no longer holds the step (stop then), and
        PermanentError (``invalid_checkpoint``) for a value the server cannot store."""
        if not isinstance(value, dict):
            raise PermanentError(
                f"a checkpoint is a JSON object (a dict), got {type(value).__name__}",
                code="invalid_checkpoint",
            )
        if self.signal.is_set() or time.monotonic() >= self._monotonic_deadline:
            raise CheckpointRefusedError(
                f"the attempt has ended ({self.signal.reason or 'timeout'}): not saved"
            )
        if self._checkpointer is None:
            raise CheckpointRefusedError("this context has no worker to save checkpoints through")
        await self._checkpointer(value)

    def checkpoint_sync(self, value: dict[str, Any]) -> None:
        """``checkpoint`` for sync handlers (they run in a thread): blocks until it is saved."""
        asyncio.run_coroutine_threadsafe(self.checkpoint(value), self.signal.loop).result()

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    @property
    def cancelled(self) -> bool:
        """True once the attempt must stop (timeout, cancel, lost claim, shutdown)."""
        return self.signal.is_set()

    @property
    def remaining_seconds(self) -> float:
        """Seconds left before the attempt's deadline."""
        return max(0.0, self._monotonic_deadline - time.monotonic())

    def raise_if_cancelled(self) -> None:
        """Raises StepTimeoutError / StepCancelledError once the signal fired (for loops in sync
        handlers, which Python cannot interrupt from outside)."""
        if self.signal.is_set():
            raise self.signal.error()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep`` that ends early, raising, when the signal fires."""
        if self.signal.is_set():
            raise self.signal.error()
        waiter = asyncio.ensure_future(self.signal.wait())
        try:
            done, _ = await asyncio.wait({waiter}, timeout=max(0.0, seconds))
        finally:
            waiter.cancel()
        if done:
            raise self.signal.error()

    def result(self, step_name: str, model: type[M]) -> M:
        """The result of ancestor ``step_name`` parsed as ``model``; a mismatch is a permanent
        error naming the fields."""
        if step_name not in self.dependency_results:
            raise PermanentError(
                f'handler {self.handler_callable} needs the result of step "{step_name}", which is not an '
                f'ancestor of "{self.step_name}"; add it to the step\'s dependencies',
                code="missing_dependency_result",
            )
        return parse_or_permanent(model, self.dependency_results[step_name], f'result of step "{step_name}"')


def parse_or_permanent(model: type[M], value: Any, what: str) -> M:
    """``model.model_validate(value)``, or a PermanentError (code ``invalid_input``) naming every
    field that does not match."""
    try:
        return model.model_validate(value)
    except ValidationError as err:
        issues = [
            {"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in err.errors(include_url=False)
        ]
        described = "; ".join(f"{i['path'] or '(root)'}: {i['message']}" for i in issues)
        raise PermanentError(
            f"invalid {what}: {described}", code="invalid_input", metadata={"issues": issues}
        ) from None
