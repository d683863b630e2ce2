"""The client against a real server: create (idempotency), get, list, steps, cancel, errors."""

from __future__ import annotations

import uuid

import pytest

from tasker_sdk import TaskerApiError, TaskerClient, TaskerConnectionError
from tasker_sdk.testing import TaskerServer


async def test_create_is_idempotent_by_key(client: TaskerClient) -> None:
    key = f"order-{uuid.uuid4()}"
    first = await client.create_task("typed_chain", "sdk_test", context={"qty": 2}, idempotency_key=key)
    again = await client.create_task("typed_chain", "sdk_test", context={"qty": 2}, idempotency_key=key)
    assert first.created is True
    assert again.created is False
    assert again.task.task_uuid == first.task.task_uuid
    assert first.task.namespace == "sdk_test"
    assert [s.name for s in first.task.steps] == ["price", "charge", "receipt"] or len(first.task.steps) == 3

    with pytest.raises(TaskerApiError) as conflict:
        await client.create_task("typed_chain", "sdk_test", context={"qty": 3}, idempotency_key=key)
    assert conflict.value.status == 409
    assert conflict.value.code == "CONFLICT"
    await client.cancel_task(first.task.task_uuid, reason="test over")


async def test_errors_carry_the_envelope(client: TaskerClient) -> None:
    with pytest.raises(TaskerApiError) as missing:
        await client.get_task(str(uuid.uuid4()))
    assert missing.value.status == 404
    assert missing.value.code == "NOT_FOUND"
    assert "not found" in missing.value.message

    with pytest.raises(TaskerApiError) as unknown:
        await client.create_task("no_such_template", "sdk_test")
    assert unknown.value.status in (400, 404, 422)
    assert unknown.value.code is not None

    with pytest.raises(TaskerApiError) as bad:
        await client.create_task("typed_chain", "bad namespace!")
    assert bad.value.status == 400
    assert bad.value.details is not None


async def test_a_wrong_key_is_refused(server: TaskerServer) -> None:
    async with TaskerClient(server.url, api_key="not-a-key-at-all-0000000") as c:
        with pytest.raises(TaskerApiError) as refused:
            await c.list_tasks()
    assert refused.value.status == 401
    assert refused.value.code == "UNAUTHORIZED"


async def test_an_unreachable_server_is_a_connection_error() -> None:
    async with TaskerClient("http://127.0.0.1:1", api_key="x") as c:
        with pytest.raises(TaskerConnectionError):
            await c.get_task(str(uuid.uuid4()))


async def test_list_steps_cancel_and_wait(client: TaskerClient) -> None:
    created = await client.create_task("typed_chain", "sdk_test", context={"qty": 1}, tags=["listing"])
    uuid_ = created.task.task_uuid
    steps = await client.list_steps(uuid_)
    assert sorted(s.name for s in steps) == ["charge", "price", "receipt"]
    assert all(s.attempts == 0 for s in steps)
    page = await client.list_tasks(namespace="sdk_test", name="typed_chain", limit=5)
    assert any(t.task_uuid == uuid_ for t in page.tasks)
    assert page.pagination.limit == 5

    cancelled = await client.cancel_task(uuid_, reason="no worker runs this one")
    assert cancelled.status == "cancelled"
    finished = await client.wait_for_completion(uuid_, timeout=5, interval=0.1)
    assert finished.status == "cancelled"
    assert finished.finished

    with pytest.raises(TimeoutError, match="still"):
        other = await client.create_task("typed_chain", "sdk_test", context={"qty": 1})
        await client.wait_for_completion(other.task.task_uuid, timeout=0.3, interval=0.1)
    await client.cancel_task(other.task.task_uuid)
