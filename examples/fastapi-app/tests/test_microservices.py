"""Workflow 3 end to end through HTTP: the diamond runs with the Python worker, the fetch steps
call the internal services over real HTTP, the result lands on the row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import AuditLog

from .conftest import RunningApp
from .helpers import get_step, get_task_steps, wait_for_row_status, wait_for_task_completion

STEPS = ["validate_request", "fetch_user_profile", "fetch_order_history", "merge_results", "format_response"]
FAST = {"interval": 0.2}


async def test_runs_the_diamond_for_a_full_report_and_saves_the_result_on_the_row(app: RunningApp) -> None:
    created = await app.http.post(
        "/services/requests", json={"user_id": "cust-001", "request_type": "full_report"}
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["user_id"], body["request_type"], body["status"]) == (
        "cust-001",
        "full_report",
        "processing",
    )
    task = await wait_for_task_completion(app.orch, body["task_uuid"], **FAST)
    assert task["status"] == "complete"
    steps = await get_task_steps(app.orch, task["task_uuid"])
    assert sorted(s["name"] for s in steps) == sorted(STEPS)
    assert all(s["current_state"] == "complete" and s["attempts"] == 1 for s in steps)

    profile = await get_step(app.orch, task["task_uuid"], "fetch_user_profile")
    assert profile["results"]["service"] == "user_profiles"
    assert profile["results"]["profile"]["name"] == "Ada Lovelace"
    assert profile["results"]["profile"]["tier"] == "gold"
    history = await get_step(app.orch, task["task_uuid"], "fetch_order_history")
    assert len([o for o in history["results"]["orders"] if o["created_at"].startswith("2024")]) == 2
    merged = await get_step(app.orch, task["task_uuid"], "merge_results")
    assert merged["results"]["user_id"] == "cust-001"
    formatted = await get_step(app.orch, task["task_uuid"], "format_response")
    response = formatted["results"]["response"]
    assert response["request_type"] == "full_report"
    assert response["profile"]["email"] == "ada@example.com"
    assert response["customer_segment"] in ("occasional", "loyal", "high_value")

    # The diamond: both fetches after validate_request, merge after both.
    at = {s["name"]: s for s in steps}

    # A step claimed in the transaction that completed its parent is stamped with that
    # transaction's start, which can be a few milliseconds before the parent's completion time.
    def ts(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    slack = timedelta(milliseconds=100)
    for fetch in ("fetch_user_profile", "fetch_order_history"):
        assert ts(at[fetch]["last_attempted_at"]) + slack >= ts(at["validate_request"]["completed_at"])
        assert ts(at["merge_results"]["last_attempted_at"]) + slack >= ts(at[fetch]["completed_at"])

    row = await wait_for_row_status(app.http, f"/services/requests/{body['id']}", ["completed"])
    assert row["error"] is None
    assert row["result"] == response
    assert row["task"]["completed_steps"] == 5


async def test_shapes_profile_and_order_summaries(app: RunningApp) -> None:
    profile_req = (
        await app.http.post(
            "/services/requests", json={"user_id": "cust-002", "request_type": "profile_summary"}
        )
    ).json()
    order_req = (
        await app.http.post(
            "/services/requests", json={"user_id": "cust-003", "request_type": "order_summary"}
        )
    ).json()
    profile_row = await wait_for_row_status(
        app.http, f"/services/requests/{profile_req['id']}", ["completed"]
    )
    assert profile_row["result"] == {
        "request_type": "profile_summary",
        "user_id": "cust-002",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "tier": "standard",
        "member_since": profile_row["result"]["member_since"],
    }
    order_row = await wait_for_row_status(app.http, f"/services/requests/{order_req['id']}", ["completed"])
    assert order_row["result"] == {
        "request_type": "order_summary",
        "user_id": "cust-003",
        "order_count": 0,
        "total_spent": 0,
        "average_order_value": 0,
        "last_order_at": None,
        "recent_orders": [],
    }


async def test_the_seeded_order_history_gives_the_stats(app: RunningApp) -> None:
    # barbara (cust-004-flaky) has one seeded order of 42.60 and places none in these tests.
    created = (
        await app.http.post(
            "/services/requests", json={"user_id": "cust-004-flaky", "request_type": "full_report"}
        )
    ).json()
    task = await wait_for_task_completion(app.orch, created["task_uuid"], **FAST)
    assert task["status"] == "complete"
    # The profile service answers 503 to the first call per request: the retry absorbs it.
    profile = await get_step(app.orch, task["task_uuid"], "fetch_user_profile")
    assert profile["current_state"] == "complete"
    assert profile["attempts"] == 2
    assert profile["results"]["attempt"] == 2
    assert profile["results"]["profile"]["email"] == "barbara@example.com"
    assert (await get_step(app.orch, task["task_uuid"], "fetch_order_history"))["attempts"] == 1
    async with app.deps.session() as s:
        faults = (
            await s.execute(
                select(func.count())
                .select_from(AuditLog)
                .where(
                    AuditLog.dedupe_key
                    == f"fault:user_profiles:first_call_503:service-request-{created['id']}"
                )
            )
        ).scalar_one()
    assert faults == 1
    row = await wait_for_row_status(app.http, f"/services/requests/{created['id']}", ["completed"])
    assert row["result"]["order_stats"]["order_count"] == 1
    assert row["result"]["order_stats"]["total_spent"] == 42.6
    assert row["result"]["order_stats"]["last_order_at"].startswith("2024-06-02T16:45:00")


async def test_fails_permanently_without_retrying_when_the_user_does_not_exist(app: RunningApp) -> None:
    created = (
        await app.http.post(
            "/services/requests", json={"user_id": "cust-999", "request_type": "profile_summary"}
        )
    ).json()
    task = await wait_for_task_completion(app.orch, created["task_uuid"], **FAST)
    assert task["status"] == "error"
    profile = await get_step(app.orch, task["task_uuid"], "fetch_user_profile")
    assert profile["current_state"] == "error"
    assert profile["attempts"] == 1
    assert profile["error"]["code"] == "downstream_not_found" and profile["error"]["retryable"] is False
    assert "no customer with id cust-999" in profile["error"]["message"]
    assert (await get_step(app.orch, task["task_uuid"], "merge_results"))["attempts"] == 0
    row = await wait_for_row_status(app.http, f"/services/requests/{created['id']}", ["failed"])
    assert "404" in row["error"]
    assert row["result"] is None


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"request_type": "full_report"}, "user_id"),
        ({"user_id": "cust-001", "request_type": "everything"}, "request_type"),
        ({"user_id": "cust 001", "request_type": "full_report"}, "user_id"),
        ({"user_id": "cust-001", "request_type": "full_report", "extra": True}, "extra"),
    ],
)
async def test_answers_400_naming_the_field(app: RunningApp, body: dict[str, Any], path: str) -> None:
    res = await app.http.post("/services/requests", json=body)
    assert res.status_code == 400
    assert res.json()["error"] == "invalid request body"
    assert path in [i["path"] for i in res.json()["issues"]]


async def test_answers_400_for_a_malformed_id_and_404_for_an_unknown_one(app: RunningApp) -> None:
    malformed = await app.http.get("/services/requests/abc")
    assert malformed.status_code == 400
    assert 'malformed service request id "abc"' in malformed.json()["error"]
    unknown = await app.http.get("/services/requests/999999")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "service request 999999 not found"}
