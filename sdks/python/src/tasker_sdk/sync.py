"""For code that is not async (Django views, management commands, scripts): the client and the
worker driven from ordinary threads. Each runs the async implementation on an event loop in a
thread of its own, so the same keep-alive connections and the same worker loop serve both.

    client = SyncTaskerClient("http://127.0.0.1:8080", api_key="...")
    created = client.create_task("order_processing", "ecommerce_py", context={...}, idempotency_key="orders-42")

    worker = ThreadedWorker(Worker(url=..., namespaces=[...], handlers=registry))
    worker.start()          # e.g. in AppConfig.ready(); returns the StartResult
    ...
    worker.stop()           # e.g. atexit
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from .client import TaskerClient
from .models import CreatedTask, Step, Task, TaskList
from .worker import StartResult, Worker, WorkerStatus

T = TypeVar("T")


class _LoopThread:
    """An event loop running in a daemon thread; ``run(coro)`` blocks for its result."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
        if not self.loop.is_running():
            self.loop.close()


class SyncTaskerClient:
    """The :class:`TaskerClient` API without ``await``."""

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 10.0) -> None:
        self._loop = _LoopThread("tasker-client")
        self._client = self._loop.run(self._make(url, api_key, timeout))

    @staticmethod
    async def _make(url: str, api_key: str | None, timeout: float) -> TaskerClient:
        return TaskerClient(url, api_key=api_key, timeout=timeout)

    def __enter__(self) -> SyncTaskerClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._loop.run(self._client.aclose())
        self._loop.close()

    def create_task(
        self,
        name: str,
        namespace: str,
        *,
        context: dict[str, Any] | None = None,
        version: str | None = None,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        reason: str | None = None,
        tags: Sequence[str] | None = None,
        priority: int | None = None,
    ) -> CreatedTask:
        return self._loop.run(
            self._client.create_task(
                name,
                namespace,
                context=context,
                version=version,
                idempotency_key=idempotency_key,
                correlation_id=correlation_id,
                initiator=initiator,
                source_system=source_system,
                reason=reason,
                tags=tags,
                priority=priority,
            )
        )

    def get_task(self, task_uuid: str) -> Task:
        return self._loop.run(self._client.get_task(task_uuid))

    def list_tasks(self, **filters: Any) -> TaskList:
        return self._loop.run(self._client.list_tasks(**filters))

    def list_steps(self, task_uuid: str) -> list[Step]:
        return self._loop.run(self._client.list_steps(task_uuid))

    def cancel_task(self, task_uuid: str, reason: str | None = None) -> Task:
        return self._loop.run(self._client.cancel_task(task_uuid, reason))

    def wait_for_completion(self, task_uuid: str, *, timeout: float = 30.0, interval: float = 1.0) -> Task:
        return self._loop.run(self._client.wait_for_completion(task_uuid, timeout=timeout, interval=interval))

    def register_templates(self, paths: Iterable[str | Path]) -> list[dict[str, Any]]:
        return self._loop.run(self._client.register_templates(paths))


class ThreadedWorker:
    """A :class:`Worker` on its own event loop thread, for processes that are not async. ``start``
    and ``stop`` block until done and are idempotent, like the worker's."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._loop: _LoopThread | None = None

    def start(self) -> StartResult:
        if self._loop is None:
            self._loop = _LoopThread("tasker-worker")
        result = self._loop.run(self.worker.start())
        if not result.success:
            self._loop.close()
            self._loop = None
        return result

    def stop(self) -> None:
        if self._loop is None:
            return
        self._loop.run(self.worker.stop())
        self._loop.close()
        self._loop = None

    def status(self) -> WorkerStatus:
        return self.worker.status()
