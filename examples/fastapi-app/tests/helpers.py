"""Helpers that watch tasks the way an outside client would: through the orchestration REST API
(GET /v1/tasks/{uuid}, .../workflow_steps), polling every second for up to 30 seconds by default
(the tests pass a shorter interval)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

TERMINAL = frozenset({"complete", "error", "cancelled", "resolved_manually"})


class Orchestration:
    """The orchestration API at ``base_url`` with an API key (tasks:read)."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"accept": "application/json", **({"x-api-key": api_key} if api_key else {})}

    async def get_json(self, path: str) -> Any:
        async with httpx.AsyncClient(timeout=10) as client:
            res = await client.get(f"{self.base_url}{path}", headers=self.headers)
        if res.status_code != 200:
            raise AssertionError(f"GET {path} answered {res.status_code}: {res.text}")
        return res.json()


async def wait_for_task_completion(
    orch: Orchestration, task_uuid: str, *, timeout: float = 30.0, interval: float = 1.0
) -> dict[str, Any]:
    """Polls GET /v1/tasks/{uuid} until the task is terminal; returns it (whatever the outcome)."""
    deadline = time.monotonic() + timeout
    while True:
        task: dict[str, Any] = await orch.get_json(f"/v1/tasks/{task_uuid}")
        if task["status"] in TERMINAL:
            return task
        if time.monotonic() + interval > deadline:
            steps = ", ".join(f"{s['name']}={s['current_state']}({s['attempts']})" for s in task["steps"])
            raise AssertionError(f"task {task_uuid} still {task['status']} after {timeout} s: {steps}")
        await asyncio.sleep(interval)


async def get_task_steps(orch: Orchestration, task_uuid: str) -> list[dict[str, Any]]:
    """GET /v1/tasks/{uuid}/workflow_steps"""
    body = await orch.get_json(f"/v1/tasks/{task_uuid}/workflow_steps")
    return list(body["steps"] if isinstance(body, dict) else body)


async def get_step(orch: Orchestration, task_uuid: str, name: str) -> dict[str, Any]:
    """One step by name, with its results and error (GET .../workflow_steps/{step_uuid})."""
    steps = await get_task_steps(orch, task_uuid)
    step = next((s for s in steps if s["name"] == name), None)
    if step is None:
        raise AssertionError(f"task {task_uuid} has no step {name!r}; it has {[s['name'] for s in steps]}")
    result: dict[str, Any] = await orch.get_json(
        f"/v1/tasks/{task_uuid}/workflow_steps/{step['workflow_step_uuid']}"
    )
    return result


async def wait_for_row_status(
    app: httpx.AsyncClient, path: str, statuses: list[str], *, timeout: float = 15.0
) -> dict[str, Any]:
    """Polls the app's GET until the row's status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        res = await app.get(path)
        body: dict[str, Any] = res.json()
        if body.get("status") in statuses:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still {body.get('status')} after {timeout} s: {body}")
        await asyncio.sleep(0.1)
