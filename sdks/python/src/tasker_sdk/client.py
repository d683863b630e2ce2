"""A typed async client of the orchestration server's REST API (``/v1/tasks``, ``/v1/templates``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from .errors import TaskerApiError
from .http import ApiTransport
from .models import CreatedTask, Step, Task, TaskList


class TaskerClient:
    """Create, read, cancel and wait for tasks.

    >>> async with TaskerClient("http://127.0.0.1:8080", api_key="...") as client:
    ...     created = await client.create_task("order_processing", "ecommerce_py",
    ...                                        context={...}, idempotency_key="orders-42")
    ...     task = await client.wait_for_completion(created.task.task_uuid)

    Every non-2xx answer raises :class:`~tasker_sdk.errors.TaskerApiError` carrying the API's
    error envelope (status, code, message, details); an unreachable server raises
    :class:`~tasker_sdk.errors.TaskerConnectionError`.
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        http_client: httpx.AsyncClient | None = None,
        transport: ApiTransport | None = None,
    ) -> None:
        self._http = transport or ApiTransport(url, api_key=api_key, timeout=timeout, client=http_client)
        self._owns_transport = transport is None

    @property
    def url(self) -> str:
        return self._http.base_url

    async def __aenter__(self) -> TaskerClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_transport:
            await self._http.aclose()

    async def create_task(
        self,
        name: str,
        namespace: str,
        *,
        context: dict[str, Any] | None = None,
        version: str | None = None,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
        parent_correlation_id: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        reason: str | None = None,
        tags: Sequence[str] | None = None,
        priority: int | None = None,
    ) -> CreatedTask:
        """``POST /v1/tasks``. With an ``idempotency_key`` a repeat returns the existing task
        (``created`` False); the same key with another payload raises a 409 TaskerApiError."""
        body: dict[str, Any] = {"name": name, "namespace": namespace, "context": context or {}}
        optional = {
            "version": version,
            "idempotency_key": idempotency_key,
            "correlation_id": correlation_id,
            "parent_correlation_id": parent_correlation_id,
            "initiator": initiator,
            "source_system": source_system,
            "reason": reason,
            "tags": list(tags) if tags is not None else None,
            "priority": priority,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        status, answer = await self._http.request("POST", "/v1/tasks", body)
        return CreatedTask(task=Task.model_validate(answer), created=status == 201)

    async def get_task(self, task_uuid: str) -> Task:
        """``GET /v1/tasks/{uuid}``: the task with its steps."""
        _, answer = await self._http.request("GET", f"/v1/tasks/{_segment(task_uuid)}")
        return Task.model_validate(answer)

    async def list_tasks(
        self,
        *,
        namespace: str | None = None,
        name: str | None = None,
        status: str | None = None,
        correlation_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> TaskList:
        """``GET /v1/tasks``: newest first, filtered and paginated."""
        params = {
            "namespace": namespace,
            "name": name,
            "status": status,
            "correlation_id": correlation_id,
            "limit": limit,
            "offset": offset,
        }
        _, answer = await self._http.request("GET", "/v1/tasks", params=params)
        return TaskList.model_validate(answer)

    async def list_steps(self, task_uuid: str) -> list[Step]:
        """``GET /v1/tasks/{uuid}/workflow_steps`` (with each step's results and error)."""
        _, answer = await self._http.request("GET", f"/v1/tasks/{_segment(task_uuid)}/workflow_steps")
        items = answer["steps"] if isinstance(answer, dict) else answer
        return [Step.model_validate(s) for s in items]

    async def get_step(self, task_uuid: str, step_uuid: str) -> Step:
        """``GET /v1/tasks/{uuid}/workflow_steps/{step_uuid}``."""
        path = f"/v1/tasks/{_segment(task_uuid)}/workflow_steps/{_segment(step_uuid)}"
        _, answer = await self._http.request("GET", path)
        return Step.model_validate(answer)

    async def step_by_name(self, task_uuid: str, name: str) -> Step:
        """The step called ``name`` of a task, with its results and error."""
        for step in await self.list_steps(task_uuid):
            if step.name == name:
                return step
        raise KeyError(f"task {task_uuid} has no step {name!r}")

    async def cancel_task(self, task_uuid: str, reason: str | None = None) -> Task:
        """``DELETE /v1/tasks/{uuid}``: no new steps start; the task ends ``cancelled``."""
        params = {"reason": reason} if reason else None
        _, answer = await self._http.request("DELETE", f"/v1/tasks/{_segment(task_uuid)}", params=params)
        return Task.model_validate(answer)

    async def wait_for_completion(
        self, task_uuid: str, *, timeout: float = 30.0, interval: float = 1.0
    ) -> Task:
        """Polls the task until it is terminal (complete, error, cancelled, resolved_manually) and
        returns it whatever the outcome; raises TimeoutError naming each step's state after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            task = await self.get_task(task_uuid)
            if task.finished:
                return task
            if time.monotonic() + interval > deadline:
                steps = ", ".join(f"{s.name}={s.current_state}({s.attempts})" for s in task.steps)
                raise TimeoutError(f"task {task_uuid} still {task.status} after {timeout} s: {steps}")
            await asyncio.sleep(interval)

    async def register_template(self, yaml_text: str) -> dict[str, Any]:
        """``POST /v1/templates {yaml}`` (needs the ``templates:write`` permission)."""
        _, answer = await self._http.request("POST", "/v1/templates", {"yaml": yaml_text})
        return dict(answer or {})

    async def register_templates(self, paths: Iterable[str | Path]) -> list[dict[str, Any]]:
        """Registers every ``*.yaml`` / ``*.yml`` file found under the given files or folders."""
        return [await self.register_template(text) for text in read_templates(paths)]

    async def health(self) -> bool:
        """Whether the server answers ``GET /health/live``."""
        try:
            await self._http.request("GET", "/health/live")
            return True
        except (TaskerApiError, Exception):
            return False


def read_templates(paths: Iterable[str | Path]) -> list[str]:
    """The text of every template file under ``paths`` (files, or folders searched recursively),
    in a stable order."""
    texts: list[str] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise FileNotFoundError(f"template path {path} does not exist")
        texts.extend(f.read_text(encoding="utf-8") for f in files)
    return texts


def _segment(value: str) -> str:
    return quote(value, safe="")
