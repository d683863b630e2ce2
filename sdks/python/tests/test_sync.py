"""The sync face of the SDK (Django views, scripts): the client and a worker on their own threads."""

from __future__ import annotations

import uuid

import pytest

from tasker_sdk import SyncTaskerClient, TaskerApiError, ThreadedWorker, Worker
from tasker_sdk.testing import TaskerServer

from .test_worker import ALL


def test_the_sync_client_and_a_threaded_worker_run_a_task(server: TaskerServer) -> None:
    worker = ThreadedWorker(
        Worker(
            url=server.url,
            api_key=server.worker_key,
            namespaces=["sdk_test"],
            handlers=ALL,
            claim_wait_ms=1000,
        )
    )
    assert worker.start().status == "started"
    assert worker.start().status == "already_running"
    try:
        with SyncTaskerClient(server.url, api_key=server.admin_key) as client:
            key = f"sync-{uuid.uuid4()}"
            created = client.create_task("typed_chain", "sdk_test", context={"qty": 3}, idempotency_key=key)
            assert created.created
            task = client.wait_for_completion(created.task.task_uuid, timeout=20, interval=0.1)
            assert task.status == "complete"
            steps = {s.name: s for s in client.list_steps(task.task_uuid)}
            assert steps["receipt"].results == {"line": "3 x 2.5"}
            with pytest.raises(TaskerApiError) as missing:
                client.get_task(str(uuid.uuid4()))
            assert missing.value.code == "NOT_FOUND"
        assert worker.status().completed >= 3
    finally:
        worker.stop()
        worker.stop()
    assert not worker.status().running
