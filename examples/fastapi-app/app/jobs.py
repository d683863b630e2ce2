"""The app's background job queue: named queues, ``add(queue, data)``, a processor per queue with
a concurrency limit, retries with exponential backoff, de-duplication by job id, drain and close.
In-process (asyncio); the same shape as a Redis-backed queue, so one could replace it.
Anything that must survive a restart is written to a table first (email_outbox) and the job
carries only its id."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("app.jobs")


@dataclass
class Job:
    id: str
    queue: str
    data: Any
    attempt: int = 1
    max_attempts: int = 1
    backoff: float = 0.0


Processor = Callable[[Job], Awaitable[None]]


@dataclass
class _Queue:
    processor: Processor | None = None
    semaphore: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    waiting: list[Job] = field(default_factory=list)
    active: set[str] = field(default_factory=set)


class JobQueue:
    backend = "memory"

    def __init__(self) -> None:
        self._queues: dict[str, _Queue] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def _queue(self, name: str) -> _Queue:
        return self._queues.setdefault(name, _Queue())

    async def add(
        self, queue: str, data: Any, *, job_id: str | None = None, attempts: int = 1, backoff: float = 0.0
    ) -> str:
        """Queues a job; a job whose id is already waiting or running is not added twice."""
        if self._closed:
            raise RuntimeError(f"job queue is closed; cannot add a job to {queue!r}")
        q = self._queue(queue)
        job = Job(
            id=job_id or str(uuid.uuid4()),
            queue=queue,
            data=data,
            max_attempts=max(1, attempts),
            backoff=backoff,
        )
        if job.id in q.active:
            return job.id
        q.active.add(job.id)
        if q.processor is None:
            q.waiting.append(job)
        else:
            self._spawn(q, job, 0.0)
        return job.id

    def process(self, queue: str, concurrency: int, fn: Processor) -> None:
        q = self._queue(queue)
        if q.processor is not None:
            raise ValueError(f"queue {queue!r} already has a processor")
        q.processor = fn
        q.semaphore = asyncio.Semaphore(concurrency)
        for job in q.waiting:
            self._spawn(q, job, 0.0)
        q.waiting.clear()

    def _spawn(self, q: _Queue, job: Job, delay: float) -> None:
        task = asyncio.create_task(self._run(q, job, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, q: _Queue, job: Job, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        assert q.processor is not None
        async with q.semaphore:
            try:
                await q.processor(job)
            except Exception as err:
                if job.attempt < job.max_attempts and not self._closed:
                    retry_in = job.backoff * 2 ** (job.attempt - 1)
                    logger.warning(
                        "job %s on %s failed (attempt %d); retry in %.1f s: %s",
                        job.id,
                        job.queue,
                        job.attempt,
                        retry_in,
                        err,
                    )
                    job.attempt += 1
                    self._spawn(q, job, retry_in)
                    return
                logger.error("job %s on %s failed for good: %s", job.id, job.queue, err)
        q.active.discard(job.id)

    async def drain(self, timeout: float = 30.0) -> None:
        """Waits until no job is waiting or running (tests, shutdown)."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, timeout: float = 10.0) -> None:
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await self.drain(timeout)
        for task in list(self._tasks):
            task.cancel()
