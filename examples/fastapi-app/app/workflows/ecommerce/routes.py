"""POST /orders, POST /orders/async, GET /orders/{id}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...deps import AppDeps, get_deps
from ...intake import queue_task_backed_row, register_task_intake
from ...models import Order
from ...rows import create_task_backed_row, respond_with_row_and_task
from .handlers import load_catalog
from .pricing import price_order
from .schemas import NAMESPACE, TEMPLATE_NAME, TEMPLATE_VERSION, CreateOrderBody, duplicate_sku_issues

router = APIRouter(tags=["orders"])


def order_task_request(order: Order, payment_info: dict[str, Any]) -> dict[str, Any]:
    """The order_processing task for a stored order; payment details travel only in the task context."""
    return {
        "namespace": NAMESPACE,
        "name": TEMPLATE_NAME,
        "version": TEMPLATE_VERSION,
        "context": {
            "order_id": order.id,
            "customer_email": order.customer_email,
            "items": order.items,
            "payment_info": payment_info,
        },
        "initiator": order.customer_email,
        "source_system": "fastapi-app",
        "reason": f"order #{order.id} placed",
        "tags": ["order", f"order:{order.id}"],
    }


async def insert_order(deps: AppDeps, body: CreateOrderBody, status: str) -> Order:
    """The order priced from the catalog (left unpriced when a sku is unknown: the task's
    validate_inventory step then fails it, naming the sku)."""
    items = [i.model_dump() for i in body.items]
    async with deps.session.begin() as s:
        catalog = await load_catalog(s, [i["sku"] for i in items])
        priced = price_order(items, catalog) if all(i["sku"] in catalog for i in items) else None
        order = Order(
            customer_email=body.customer_email,
            items=items,
            subtotal=priced and priced["subtotal"],
            tax=priced and priced["tax"],
            shipping=priced and priced["shipping"],
            total=priced and priced["total"],
            status=status,
        )
        s.add(order)
        await s.flush()
        await s.refresh(order)
        return order


def _invalid(issues: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"error": "invalid request body", "issues": issues}, status_code=400)


@router.post("/orders", status_code=201)
async def create_order(body: CreateOrderBody) -> JSONResponse:
    if issues := duplicate_sku_issues(body):
        return _invalid(issues)
    deps = get_deps()
    payment = body.payment_info.model_dump()
    return await create_task_backed_row(
        deps, Order, lambda: insert_order(deps, body, "pending"), lambda row: order_task_request(row, payment)
    )


@router.post("/orders/async", status_code=202)
async def create_order_async(body: CreateOrderBody) -> JSONResponse:
    """202 ``{id, status: "queued"}`` at once; a background job creates the task."""
    if issues := duplicate_sku_issues(body):
        return _invalid(issues)
    deps = get_deps()
    return await queue_task_backed_row(
        deps, Order, lambda: insert_order(deps, body, "queued"), extra=body.payment_info.model_dump()
    )


@router.get("/orders/{order_id}")
async def get_order(order_id: str) -> JSONResponse:
    return await respond_with_row_and_task(get_deps(), Order, order_id, "order")


def register_jobs(deps: AppDeps) -> None:
    # POST /orders/async: the queued order's task is created by this job.
    register_task_intake(deps, Order, lambda row, payment: order_task_request(row, payment))
