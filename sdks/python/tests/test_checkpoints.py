"""Checkpoints against a real server: a sync handler (in a thread) saves one and fails; its retry
resumes from it. The async path is in the conformance suite (checkpoint_resume)."""

from __future__ import annotations

from typing import Any

from tasker_sdk import RetryableError, StepContext, TaskerClient, Worker, handler
from tasker_sdk.testing import TaskerServer

SEEN: list[Any] = []


@handler("sdk_test.sync_cursor")
def sync_cursor(ctx: StepContext[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    SEEN.append(ctx.resume_from)
    if ctx.attempt == 1:
        ctx.checkpoint_sync({"cursor": 40})
        raise RetryableError("crashed at 41", code="crashed")
    return {"resumed_at": (ctx.resume_from or {}).get("cursor")}


async def test_a_retry_resumes_from_the_checkpoint_a_sync_handler_saved(
    server: TaskerServer, client: TaskerClient
) -> None:
    worker = Worker(
        url=server.url,
        api_key=server.worker_key,
        namespaces=["sdk_test"],
        handlers=[sync_cursor],
        claim_wait_ms=2000,
    )
    async with worker.lifespan():
        created = await client.create_task("checkpoints", "sdk_test", context={})
        task = await client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
    assert task.status == "complete"
    step = await client.step_by_name(task.task_uuid, "sync_cursor")
    assert step.attempts == 2
    assert step.results == {"resumed_at": 40}
    assert SEEN == [None, {"cursor": 40}]
