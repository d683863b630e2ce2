"""Namespace isolation: the app's worker serves compliance_py (and the other namespaces), Team A's
worker serves only sales_py. With Team A's worker stopped, Team B's task still completes and Team
A's waits untouched; when Team A's worker comes back, the sales task completes and the check
follows."""

from __future__ import annotations

import asyncio

from tasker_sdk import Worker

from .conftest import RunningApp
from .helpers import get_task_steps, wait_for_row_status, wait_for_task_completion


async def test_team_b_keeps_working_while_team_a_is_down_and_team_a_catches_up(
    app: RunningApp, sales_worker: Worker
) -> None:
    assert sales_worker.status().namespaces == ["sales_py"]
    await sales_worker.stop()  # Team A goes down.
    try:
        res = await app.http.post(
            "/compliance/checks",
            json={
                "order_ref": "ORD-ISO-1",
                "items": [{"sku": "GIZMO-003", "quantity": 2}],
                "destination": {"country": "DE"},
            },
        )
        assert res.status_code == 201
        created = res.json()
        sales_uuid, compliance_uuid = created["task_uuids"]["sales"], created["task_uuids"]["compliance"]

        compliance = await wait_for_task_completion(app.orch, compliance_uuid, interval=0.2)
        assert compliance["status"] == "complete"
        # Give Team A's queue every chance to be (wrongly) drained by someone else.
        await asyncio.sleep(1.5)
        stalled = await app.orch.get_json(f"/v1/tasks/{sales_uuid}")
        assert stalled["status"] not in ("complete", "error", "cancelled", "resolved_manually")
        assert stalled["completed_steps"] == 0
        assert all(s["attempts"] == 0 for s in await get_task_steps(app.orch, sales_uuid))
        assert (await app.http.get(f"/compliance/checks/{created['id']}")).json()["status"] == "processing"
    finally:
        # Team A comes back (a new registration, as a restarted process) and drains its own queue.
        returned = await sales_worker.start()
        assert returned.status == "started"
    sales = await wait_for_task_completion(app.orch, sales_uuid, interval=0.2)
    assert sales["status"] == "complete"
    assert sales["correlation_id"] == compliance["correlation_id"]
    workers = (await app.orch.get_json("/v1/worker/workers"))["workers"]
    serving_sales = [w for w in workers if "sales_py" in w["namespaces"] and w["status"] == "running"]
    assert [w["worker_id"] for w in serving_sales] == [returned.worker_id]
    row = await wait_for_row_status(app.http, f"/compliance/checks/{created['id']}", ["completed"])
    assert row["result"]["quote"]["quote_number"] == f"QT-{created['id']:06d}"
    assert row["result"]["compliance"]["decision"] == "approved"
