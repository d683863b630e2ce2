"""Workflow 1 end to end through HTTP: POST /orders -> the task runs on the engine with the
Python worker -> the order, stock, payment, invoice and outbox change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.models import EmailOutbox, Invoice, Payment, Product, StockMovement

from .conftest import RunningApp
from .helpers import get_step, get_task_steps, wait_for_row_status, wait_for_task_completion

STEPS = ["validate_inventory", "process_payment", "update_inventory", "send_confirmation", "generate_invoice"]
FAST = {"interval": 0.2}


def order(**overrides: Any) -> dict[str, Any]:
    return {
        "customer_email": "ada@example.com",
        "items": [{"sku": "WIDGET-001", "quantity": 2}, {"sku": "GIZMO-003", "quantity": 1}],
        "payment_info": {"method": "card", "token": "tok_visa"},
        **overrides,
    }


async def stock_of(app: RunningApp, sku: str) -> int:
    async with app.deps.session() as s:
        product = await s.get(Product, sku)
        assert product is not None
        return product.stock


async def count(app: RunningApp, model: Any, *where: Any) -> int:
    async with app.deps.session() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_runs_all_five_steps_charges_once_moves_stock_confirms_and_invoices(app: RunningApp) -> None:
    widgets, gizmos = await stock_of(app, "WIDGET-001"), await stock_of(app, "GIZMO-003")
    created = await app.http.post("/orders", json=order())
    assert created.status_code == 201
    body = created.json()
    assert body["status"] in ("processing", "completed")
    assert (body["customer_email"], body["subtotal"], body["tax"], body["shipping"], body["total"]) == (
        "ada@example.com",
        188.98,
        16.54,
        0,
        205.52,
    )
    assert len(body["task_uuid"]) == 36
    order_id = body["id"]

    task = await wait_for_task_completion(app.orch, body["task_uuid"], **FAST)
    assert task["status"] == "complete"
    assert task["completion_percentage"] == 100
    assert task["namespace"] == "ecommerce_py"
    steps = await get_task_steps(app.orch, task["task_uuid"])
    assert sorted(s["name"] for s in steps) == sorted(STEPS)
    assert all(s["current_state"] == "complete" for s in steps)

    validate = await get_step(app.orch, task["task_uuid"], "validate_inventory")
    assert validate["results"]["subtotal"] == 188.98 and validate["results"]["total"] == 205.52
    payment = await get_step(app.orch, task["task_uuid"], "process_payment")
    assert payment["results"]["amount_charged"] == 205.52 and payment["results"]["currency"] == "USD"
    assert payment["results"]["payment_id"].startswith("pay_")
    assert payment["attempts"] == 1
    confirmation = await get_step(app.orch, task["task_uuid"], "send_confirmation")
    assert confirmation["results"]["recipient"] == "ada@example.com"
    assert confirmation["results"]["subject"] == f"Order #{order_id} confirmed"
    invoice = await get_step(app.orch, task["task_uuid"], "generate_invoice")
    assert invoice["results"]["invoice_number"] == f"INV-{order_id:06d}"
    assert invoice["results"]["total"] == 205.52

    row = await wait_for_row_status(app.http, f"/orders/{order_id}", ["completed"])
    assert row["error"] is None
    assert row["task"]["status"] == "complete"
    assert row["task"]["completed_steps"] == 5 and row["task"]["total_steps"] == 5
    assert all(s["state"] == "complete" and s["attempts"] == 1 for s in row["task"]["steps"])

    # Domain effects, each exactly once.
    assert await stock_of(app, "WIDGET-001") == widgets - 2
    assert await stock_of(app, "GIZMO-003") == gizmos - 1
    async with app.deps.session() as s:
        payments = (await s.execute(select(Payment).where(Payment.order_id == order_id))).scalars().all()
        invoices = (await s.execute(select(Invoice).where(Invoice.order_id == order_id))).scalars().all()
    assert [(float(p.amount), p.status) for p in payments] == [(205.52, "captured")]
    assert [(i.invoice_number, float(i.total)) for i in invoices] == [(f"INV-{order_id:06d}", 205.52)]
    assert await count(app, StockMovement, StockMovement.order_id == order_id) == 2
    await app.deps.jobs.drain()
    async with app.deps.session() as s:
        mail = (
            await s.execute(
                select(EmailOutbox).where(EmailOutbox.dedupe_key == f"order:{order_id}:confirmation")
            )
        ).scalar_one()
    assert (mail.status, mail.recipients) == ("sent", ["ada@example.com"])


async def test_a_declined_card_ends_in_error_with_the_order_failed_and_nothing_charged(
    app: RunningApp,
) -> None:
    created = await app.http.post(
        "/orders", json=order(payment_info={"method": "card", "token": "tok_declined"})
    )
    assert created.status_code == 201
    task = await wait_for_task_completion(app.orch, created.json()["task_uuid"], **FAST)
    assert task["status"] == "error"
    payment = await get_step(app.orch, task["task_uuid"], "process_payment")
    assert payment["current_state"] == "error"
    assert payment["attempts"] == 1
    assert payment["error"]["code"] == "card_declined" and payment["error"]["retryable"] is False
    assert (await get_step(app.orch, task["task_uuid"], "update_inventory"))["current_state"] == "pending"
    row = await wait_for_row_status(app.http, f"/orders/{created.json()['id']}", ["failed"])
    assert "card_declined" in row["error"]
    assert row["task"]["status"] == "error"
    assert await count(app, Payment, Payment.order_id == created.json()["id"]) == 0


async def test_a_flaky_gateway_is_retried_once_and_completes_on_attempt_2(app: RunningApp) -> None:
    created = await app.http.post(
        "/orders", json=order(payment_info={"method": "card", "token": "tok_flaky"})
    )
    task = await wait_for_task_completion(app.orch, created.json()["task_uuid"], **FAST)
    assert task["status"] == "complete"
    payment = await get_step(app.orch, task["task_uuid"], "process_payment")
    assert payment["current_state"] == "complete"
    assert payment["attempts"] == 2
    assert payment["results"]["gateway_attempt"] == 2
    assert await count(app, Payment, Payment.order_id == created.json()["id"]) == 1
    await wait_for_row_status(app.http, f"/orders/{created.json()['id']}", ["completed"])


async def test_refuses_big_charges_unknown_skus_and_short_stock_naming_the_cause(app: RunningApp) -> None:
    big = (await app.http.post("/orders", json=order(items=[{"sku": "GIZMO-003", "quantity": 80}]))).json()
    unknown = (await app.http.post("/orders", json=order(items=[{"sku": "NOPE-999", "quantity": 1}]))).json()
    scarce = (await app.http.post("/orders", json=order(items=[{"sku": "SCARCE-004", "quantity": 4}]))).json()
    assert unknown["total"] is None

    big_task = await wait_for_task_completion(app.orch, big["task_uuid"], **FAST)
    assert big_task["status"] == "error"
    assert (await get_step(app.orch, big["task_uuid"], "process_payment"))["error"][
        "code"
    ] == "amount_limit_exceeded"
    for res, code, sku in (
        (unknown, "unknown_sku", "NOPE-999"),
        (scarce, "insufficient_stock", "SCARCE-004"),
    ):
        task = await wait_for_task_completion(app.orch, res["task_uuid"], **FAST)
        assert task["status"] == "error"
        step = await get_step(app.orch, res["task_uuid"], "validate_inventory")
        assert step["error"]["code"] == code
        assert sku in step["error"]["message"]
        row = await wait_for_row_status(app.http, f"/orders/{res['id']}", ["failed"])
        assert sku in row["error"]
    assert await stock_of(app, "SCARCE-004") == 3


async def test_accepts_an_order_asynchronously_202_then_the_normal_path(app: RunningApp) -> None:
    accepted = await app.http.post("/orders/async", json=order(customer_email="grace@example.com"))
    assert accepted.status_code == 202
    body = accepted.json()
    assert body == {"id": body["id"], "status": "queued"}
    row = await wait_for_row_status(app.http, f"/orders/{body['id']}", ["completed", "failed"], timeout=30)
    assert row["status"] == "completed"
    task = await wait_for_task_completion(app.orch, row["task_uuid"], **FAST)
    assert task["status"] == "complete"
    assert task["context"]["order_id"] == body["id"]
    assert task["context"]["customer_email"] == "grace@example.com"


async def test_answers_400_for_bad_bodies_and_ids_and_404_for_unknown_orders(app: RunningApp) -> None:
    bad = await app.http.post(
        "/orders",
        json={
            "customer_email": "not-an-email",
            "items": [{"sku": "WIDGET-001", "quantity": 0}],
            "payment_info": {"method": "cash", "token": ""},
        },
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid request body"
    assert sorted(i["path"] for i in bad.json()["issues"]) == [
        "customer_email",
        "items.0.quantity",
        "payment_info.method",
        "payment_info.token",
    ]
    priced = await app.http.post("/orders", json={**order(), "total": 1})
    assert priced.status_code == 400
    assert "total" in str(priced.json()["issues"])
    twice = await app.http.post(
        "/orders/async",
        json=order(items=[{"sku": "WIDGET-001", "quantity": 1}, {"sku": "WIDGET-001", "quantity": 2}]),
    )
    assert twice.status_code == 400
    assert twice.json()["issues"][0]["path"] == "items.1.sku"
    not_json = await app.http.post(
        "/orders", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert "json" in not_json.json()["error"].lower()

    malformed = await app.http.get("/orders/abc")
    assert malformed.status_code == 400
    assert "malformed order id" in malformed.json()["error"]
    missing = await app.http.get("/orders/999999")
    assert missing.status_code == 404
    assert missing.json() == {"error": "order 999999 not found"}
