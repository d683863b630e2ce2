"""Workflow 4 end to end through HTTP: one compliance check, two tasks in two namespaces
(sales_py served by Team A's worker, compliance_py by the app's) sharing a correlation id; the
check completes when both complete and fails when either fails."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select
from tasker_sdk import Worker

from app.models import AuditLog, ComplianceCheck, Quote

from .conftest import RunningApp
from .helpers import get_step, get_task_steps, wait_for_row_status, wait_for_task_completion

SALES_STEPS = ["receive_order", "validate_items", "calculate_shipping", "apply_discounts", "generate_quote"]
COMPLIANCE_STEPS = ["check_compliance", "verify_tax_rules", "audit_log", "compliance_report"]
FAST = {"interval": 0.2}


def check(**overrides: Any) -> dict[str, Any]:
    return {
        "order_ref": "ORD-PY-1",
        "items": [{"sku": "WIDGET-001", "quantity": 10}, {"sku": "GADGET-002", "quantity": 1}],
        "destination": {"country": "US", "region": "CA"},
        "coupon_code": "SAVE10",
        "customer_id": "cust-001",
        **overrides,
    }


async def both(app: RunningApp, body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        team: await wait_for_task_completion(app.orch, body["task_uuids"][team], **FAST)
        for team in ("sales", "compliance")
    }


async def count(app: RunningApp, model: Any, *where: Any) -> int:
    async with app.deps.session() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_quotes_and_reviews_an_order_in_two_namespaces_and_completes_the_check(
    app: RunningApp, sales_worker: Worker
) -> None:
    created = await app.http.post("/compliance/checks", json=check())
    assert created.status_code == 201
    body = created.json()
    assert body["order_ref"] == "ORD-PY-1" and body["namespace"] == "default"
    assert body["status"] in ("processing", "completed")
    check_id = body["id"]
    assert sorted(body["task_uuids"]) == ["compliance", "sales"]
    assert body["task_uuid"] == body["task_uuids"]["compliance"]

    tasks = await both(app, body)
    for team, namespace in (("sales", "sales_py"), ("compliance", "compliance_py")):
        task = tasks[team]
        assert (task["status"], task["completion_percentage"], task["namespace"]) == (
            "complete",
            100,
            namespace,
        )
        assert task["correlation_id"] == body["correlation_id"]
    assert tasks["sales"]["name"] == "quote_generation" and tasks["compliance"]["name"] == "compliance_review"
    sales_steps = await get_task_steps(app.orch, tasks["sales"]["task_uuid"])
    assert sorted(s["name"] for s in sales_steps) == sorted(SALES_STEPS)
    compliance_steps = await get_task_steps(app.orch, tasks["compliance"]["task_uuid"])
    assert sorted(s["name"] for s in compliance_steps) == sorted(COMPLIANCE_STEPS)

    # Team A: 10 x 29.99 + 49.99 = 349.89; 6.2 kg domestic = 5.99 + 9.30;
    # volume 5% + SAVE10 10% + gold 5% = 20% -> 69.98 off; quote 279.91 + 15.29 = 295.20.
    async def sales(step: str) -> dict[str, Any]:
        result: dict[str, Any] = (await get_step(app.orch, tasks["sales"]["task_uuid"], step))["results"]
        return result

    received = await sales("receive_order")
    assert (received["total_units"], received["check_id"]) == (11, check_id)
    items = await sales("validate_items")
    assert (items["subtotal"], items["all_in_stock"]) == (349.89, True)
    shipping = await sales("calculate_shipping")
    assert (shipping["zone"], shipping["total_weight_kg"], shipping["shipping_cost"]) == (
        "domestic",
        6.2,
        15.29,
    )
    discounts = await sales("apply_discounts")
    assert (discounts["discount_percent"], discounts["discount_total"], discounts["discounted_subtotal"]) == (
        20,
        69.98,
        279.91,
    )
    assert [d["code"] for d in discounts["discounts"]] == ["VOLUME_10", "SAVE10", "TIER_GOLD"]
    quote_number = f"QT-{check_id:06d}"
    quote = await sales("generate_quote")
    assert (quote["quote_number"], quote["total"], quote["currency"]) == (quote_number, 295.2, "USD")
    valid_days = (time_of(quote["expires_at"]) - time.time()) / 86_400
    assert 29.9 < valid_days <= 30

    # Team B: approved; US-CA 7.25% on 349.89 = 25.37; one audit row; the report on the check.
    async def compliance(step: str) -> dict[str, Any]:
        result: dict[str, Any] = (await get_step(app.orch, tasks["compliance"]["task_uuid"], step))["results"]
        return result

    verdict = await compliance("check_compliance")
    assert (verdict["approved"], verdict["violations"]) == (True, [])
    tax = await compliance("verify_tax_rules")
    assert (tax["jurisdiction"], tax["rate_percent"], tax["tax_amount"]) == ("US-CA", 7.25, 25.37)
    audit = await compliance("audit_log")
    report = await compliance("compliance_report")
    assert (report["decision"], report["audit_log_id"]) == ("approved", audit["audit_log_id"])

    async with app.deps.session() as s:
        quotes = (await s.execute(select(Quote).where(Quote.compliance_check_id == check_id))).scalars().all()
        audits = (
            (
                await s.execute(
                    select(AuditLog).where(AuditLog.dedupe_key == f"compliance_check:{check_id}:review")
                )
            )
            .scalars()
            .all()
        )
    assert [(q.quote_number, float(q.subtotal), float(q.discount), float(q.total)) for q in quotes] == [
        (quote_number, 349.89, 69.98, 295.2)
    ]
    assert [(a.entity_type, a.entity_id, a.task_uuid) for a in audits] == [
        ("compliance_check", str(check_id), body["task_uuid"])
    ]

    row = await wait_for_row_status(app.http, f"/compliance/checks/{check_id}", ["completed"])
    assert row["error"] is None
    assert row["result"]["quote"]["quote_number"] == quote_number and row["result"]["quote"]["total"] == 295.2
    assert row["result"]["compliance"]["decision"] == "approved"
    assert row["result"]["compliance"]["tax"]["tax_amount"] == 25.37
    assert (row["task"]["task_uuid"], row["task"]["status"], row["task"]["completed_steps"]) == (
        body["task_uuid"],
        "complete",
        4,
    )
    assert (row["tasks"]["sales"]["status"], row["tasks"]["sales"]["completed_steps"]) == ("complete", 5)
    assert (row["tasks"]["compliance"]["status"], row["tasks"]["compliance"]["total_steps"]) == (
        "complete",
        4,
    )


def time_of(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def test_an_embargoed_destination_fails_the_compliance_task_and_the_check(
    app: RunningApp, sales_worker: Worker
) -> None:
    created = (
        await app.http.post(
            "/compliance/checks",
            json=check(order_ref="ORD-PY-KP", destination={"country": "KP"}, namespace="asia_desk"),
        )
    ).json()
    assert created["namespace"] == "asia_desk"
    tasks = await both(app, created)
    assert tasks["compliance"]["status"] == "error"
    # Team A is not Team B: pricing the order still works.
    assert tasks["sales"]["status"] == "complete"
    screening = await get_step(app.orch, created["task_uuids"]["compliance"], "check_compliance")
    assert screening["attempts"] == 1
    assert screening["error"]["code"] == "compliance_violation" and screening["error"]["retryable"] is False
    assert "destination KP is under embargo" in screening["error"]["message"]
    assert (await get_step(app.orch, created["task_uuids"]["compliance"], "verify_tax_rules"))[
        "attempts"
    ] == 0
    row = await wait_for_row_status(app.http, f"/compliance/checks/{created['id']}", ["failed"])
    assert row["error"].startswith("compliance task failed: ") and "KP is under embargo" in row["error"]
    assert (row["result"] or {}).get("compliance") is None
    assert await count(app, AuditLog, AuditLog.dedupe_key == f"compliance_check:{created['id']}:review") == 0


async def test_an_export_controlled_sku_fails_the_check(app: RunningApp, sales_worker: Worker) -> None:
    created = (
        await app.http.post(
            "/compliance/checks",
            json=check(order_ref="ORD-PY-R", items=[{"sku": "RESTRICTED-005", "quantity": 1}]),
        )
    ).json()
    tasks = await both(app, created)
    assert tasks["compliance"]["status"] == "error"
    row = await wait_for_row_status(app.http, f"/compliance/checks/{created['id']}", ["failed"])
    assert "RESTRICTED-005 is export-controlled" in row["error"]


async def test_the_check_fails_when_team_a_cannot_quote(app: RunningApp, sales_worker: Worker) -> None:
    created = (
        await app.http.post("/compliance/checks", json=check(order_ref="ORD-PY-C", coupon_code="BOGUS"))
    ).json()
    tasks = await both(app, created)
    assert (tasks["compliance"]["status"], tasks["sales"]["status"]) == ("complete", "error")
    step = await get_step(app.orch, created["task_uuids"]["sales"], "apply_discounts")
    assert step["error"]["code"] == "invalid_coupon"
    row = await wait_for_row_status(app.http, f"/compliance/checks/{created['id']}", ["failed"])
    assert row["error"].startswith("sales task failed: ") and "coupon BOGUS is unknown" in row["error"]
    assert await count(app, Quote, Quote.compliance_check_id == created["id"]) == 0


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"items": []}, "items"),
        ({"items": [{"sku": "WIDGET-001", "quantity": 0}]}, "items.0.quantity"),
        ({"destination": {"country": "Germany"}}, "destination.country"),
        ({"order_ref": None}, "order_ref"),
        ({"namespace": "has spaces"}, "namespace"),
    ],
)
async def test_answers_400_naming_the_field(app: RunningApp, overrides: dict[str, Any], path: str) -> None:
    before = await count(app, ComplianceCheck)
    body = {k: v for k, v in {**check(), **overrides}.items() if v is not None}
    res = await app.http.post("/compliance/checks", json=body)
    assert res.status_code == 400
    assert res.json()["error"] == "invalid request body"
    assert path in [i["path"] for i in res.json()["issues"]]
    assert await count(app, ComplianceCheck) == before


async def test_answers_400_for_a_malformed_id_and_404_for_an_unknown_one(app: RunningApp) -> None:
    malformed = await app.http.get("/compliance/checks/0")
    assert malformed.status_code == 400
    assert malformed.json()["issues"] == [{"path": "id", "message": "must be a positive integer"}]
    unknown = await app.http.get("/compliance/checks/424242")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "compliance check 424242 not found"}
