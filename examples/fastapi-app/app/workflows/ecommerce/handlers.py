"""The five steps of order_processing. Each is idempotent: the payment, the stock movements, the
confirmation email and the invoice are unique per order, so a retried or duplicated step finds
what the first one did instead of doing it again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from tasker_sdk import PermanentError, RetryableError, StepContext, handler

from ...deps import get_deps
from ...email import enqueue_email
from ...models import Invoice, Order, Payment, Product, StockMovement
from ...rows import to_json
from .pricing import (
    CatalogEntry,
    catalog_problems,
    confirmation_email,
    decide_charge,
    describe_problem,
    invoice_number,
    price_order,
)
from .schemas import ConfirmationDeps, OrderTaskContext, PricedDeps


async def load_catalog(session: AsyncSession, skus: list[str]) -> dict[str, CatalogEntry]:
    if not skus:
        return {}
    rows = (await session.execute(select(Product).where(Product.sku.in_(skus)))).scalars()
    return {
        p.sku: CatalogEntry(
            sku=p.sku, name=p.name, price=float(p.price), stock=p.stock, weight_kg=float(p.weight_kg)
        )
        for p in rows
    }


@handler("ecommerce_py.validate_inventory", inputs=OrderTaskContext)
async def validate_inventory(ctx: StepContext[OrderTaskContext, Any]) -> dict[str, Any]:
    """Every sku exists and has enough stock; the order priced from the catalog."""
    deps = get_deps()
    items = [i.model_dump() for i in ctx.input.items]
    async with deps.session.begin() as s:
        catalog = await load_catalog(s, [i["sku"] for i in items])
        problems = catalog_problems(items, catalog)
        if problems:
            raise PermanentError(
                "; ".join(describe_problem(p) for p in problems),
                code=problems[0]["kind"],
                metadata={"problems": problems},
            )
        priced = price_order(items, catalog)
        # The catalog price at validation is what the customer pays; record it on the order.
        await s.execute(
            update(Order)
            .where(Order.id == ctx.input.order_id)
            .values(
                subtotal=priced["subtotal"],
                tax=priced["tax"],
                shipping=priced["shipping"],
                total=priced["total"],
            )
        )
    return {**priced, "validated_at": datetime.now(UTC).isoformat()}


def _payment_result(payment: Payment, attempt: int) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "amount_charged": float(payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "charged_at": to_json(payment.created_at),
        "gateway_attempt": attempt,
    }


@handler("ecommerce_py.process_payment", inputs=OrderTaskContext, depends=PricedDeps)
async def process_payment(ctx: StepContext[OrderTaskContext, PricedDeps]) -> dict[str, Any]:
    """Charges the total once: the payments row is unique per order."""
    deps = get_deps()
    order_id = ctx.input.order_id
    async with deps.session() as s:
        existing = (await s.execute(select(Payment).where(Payment.order_id == order_id))).scalar_one_or_none()
    if existing is not None:
        ctx.logger.info("order %s already charged (%s)", order_id, existing.payment_id)
        return _payment_result(existing, ctx.attempt)
    amount = ctx.deps.validate_inventory.total
    outcome, code, message = decide_charge(ctx.input.payment_info.token, amount, ctx.attempt)
    if outcome == "declined":
        raise PermanentError(message or "declined", code=code, metadata={"amount": amount})
    if outcome == "unavailable":
        raise RetryableError(message or "unavailable", code=code, retry_after=0.2)
    async with deps.session.begin() as s:
        await s.execute(
            insert(Payment)
            .values(
                payment_id=f"pay_{uuid.uuid4().hex[:24]}",
                order_id=order_id,
                amount=amount,
                currency="USD",
                status="captured",
                method=ctx.input.payment_info.method,
            )
            .on_conflict_do_nothing(index_elements=[Payment.order_id])
        )
        charged = (await s.execute(select(Payment).where(Payment.order_id == order_id))).scalar_one_or_none()
    if charged is None:
        raise RetryableError(f"payment for order {order_id} not found after insert")
    return _payment_result(charged, ctx.attempt)


class _OutOfStock(Exception):
    def __init__(self, sku: str) -> None:
        super().__init__(f'insufficient stock for "{sku}" when reserving it')
        self.sku = sku


@handler("ecommerce_py.update_inventory", inputs=OrderTaskContext, depends=PricedDeps)
async def update_inventory(ctx: StepContext[OrderTaskContext, PricedDeps]) -> dict[str, Any]:
    """Takes the sold quantities out of stock, once per order, never below zero: the movement row
    (unique per order and sku) is written in the same transaction as the decrement."""
    deps = get_deps()
    order_id = ctx.input.order_id
    lines = ctx.deps.validate_inventory.lines
    try:
        async with deps.session.begin() as s:
            for line in lines:
                claimed = (
                    await s.execute(
                        insert(StockMovement)
                        .values(order_id=order_id, sku=line.sku, quantity_delta=-line.quantity, reason="sale")
                        .on_conflict_do_nothing()
                        .returning(StockMovement.id)
                    )
                ).scalar_one_or_none()
                if claimed is None:
                    continue  # this line was already applied
                updated = (
                    await s.execute(
                        update(Product)
                        .where(Product.sku == line.sku, Product.stock >= line.quantity)
                        .values(stock=Product.stock - line.quantity)
                        .returning(Product.stock)
                    )
                ).scalar_one_or_none()
                if updated is None:
                    raise _OutOfStock(line.sku)
    except _OutOfStock as err:
        # Stock ran out between validation and now: give the money back before failing.
        async with deps.session.begin() as s:
            await s.execute(update(Payment).where(Payment.order_id == order_id).values(status="refunded"))
        raise PermanentError(
            f"{err}; the payment was refunded", code="insufficient_stock", metadata={"sku": err.sku}
        ) from None
    async with deps.session() as s:
        rows = await s.execute(
            select(Product.sku, Product.stock).where(Product.sku.in_([line.sku for line in lines]))
        )
        stock = {sku: quantity for sku, quantity in rows}
    return {
        "order_id": order_id,
        "movements": [
            {"sku": line.sku, "quantity": -line.quantity, "remaining_stock": stock.get(line.sku)}
            for line in lines
        ],
    }


@handler("ecommerce_py.send_confirmation", inputs=OrderTaskContext, depends=ConfirmationDeps)
async def send_confirmation(ctx: StepContext[OrderTaskContext, ConfirmationDeps]) -> dict[str, Any]:
    """The confirmation email, written to the outbox and delivered by the background queue."""
    subject, body = confirmation_email(
        ctx.input.order_id, ctx.deps.validate_inventory.model_dump(), ctx.deps.process_payment.payment_id
    )
    message = await enqueue_email(
        get_deps(),
        dedupe_key=f"order:{ctx.input.order_id}:confirmation",
        recipients=[ctx.input.customer_email],
        subject=subject,
        body=body,
    )
    return {
        "message_id": message.message_id,
        "recipient": ctx.input.customer_email,
        "subject": message.subject,
        "status": message.status,
    }


@handler("ecommerce_py.generate_invoice", inputs=OrderTaskContext, depends=PricedDeps)
async def generate_invoice(ctx: StepContext[OrderTaskContext, PricedDeps]) -> dict[str, Any]:
    """The order's invoice, one per order (unique order_id), numbered from the order id."""
    priced = ctx.deps.validate_inventory
    order_id = ctx.input.order_id
    async with get_deps().session.begin() as s:
        # Both unique keys (order_id, and the number derived from it) name the same invoice: a
        # duplicate delivery racing this one may trip either, so any conflict means "exists".
        await s.execute(
            insert(Invoice)
            .values(
                invoice_number=invoice_number(order_id),
                order_id=order_id,
                customer_email=ctx.input.customer_email,
                lines=[line.model_dump(exclude={"weight_kg"}) for line in priced.lines],
                subtotal=priced.subtotal,
                tax=priced.tax,
                shipping=priced.shipping,
                total=priced.total,
            )
            .on_conflict_do_nothing()
        )
        invoice = (await s.execute(select(Invoice).where(Invoice.order_id == order_id))).scalar_one()
    return {
        "invoice_id": invoice.id,
        "invoice_number": invoice.invoice_number,
        "order_id": invoice.order_id,
        "total": float(invoice.total),
        "currency": "USD",
        "issued_at": to_json(invoice.issued_at),
    }
