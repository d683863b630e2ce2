"""Order pricing from catalog prices (the client never sets prices): subtotal + 8.75% tax +
shipping (free when the subtotal is at least 75.00, else 9.99). Integer cents throughout; the
simulated card gateway; the documents an order produces."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TAX_RATE_BASIS_POINTS = 875
FREE_SHIPPING_FROM_CENTS = 7_500
SHIPPING_FEE_CENTS = 999
CURRENCY = "USD"
MAX_CHARGE = 10_000
DECLINED_TOKEN = "tok_declined"
FLAKY_TOKEN = "tok_flaky"


@dataclass(frozen=True)
class CatalogEntry:
    sku: str
    name: str
    price: float
    stock: int
    weight_kg: float


def to_cents(amount: float | Decimal | str) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> float:
    return cents / 100


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def catalog_problems(items: list[dict[str, Any]], catalog: dict[str, CatalogEntry]) -> list[dict[str, Any]]:
    """Skus the catalog does not have, and lines asking for more than is in stock."""
    problems: list[dict[str, Any]] = []
    for item in items:
        entry = catalog.get(item["sku"])
        if entry is None:
            problems.append({"kind": "unknown_sku", "sku": item["sku"]})
        elif entry.stock < item["quantity"]:
            problems.append(
                {
                    "kind": "insufficient_stock",
                    "sku": item["sku"],
                    "requested": item["quantity"],
                    "available": entry.stock,
                }
            )
    return problems


def describe_problem(problem: dict[str, Any]) -> str:
    if problem["kind"] == "unknown_sku":
        return f'unknown sku "{problem["sku"]}"; GET /products lists the catalog'
    return (
        f'insufficient stock for "{problem["sku"]}": {problem["requested"]} requested, '
        f"{problem['available']} available"
    )


def price_order(items: list[dict[str, Any]], catalog: dict[str, CatalogEntry]) -> dict[str, Any]:
    lines = []
    for item in items:
        entry = catalog.get(item["sku"])
        if entry is None:
            raise ValueError(f'cannot price unknown sku "{item["sku"]}"')
        unit = to_cents(entry.price)
        lines.append(
            {
                "sku": item["sku"],
                "name": entry.name,
                "quantity": item["quantity"],
                "unit_price": from_cents(unit),
                "line_total": from_cents(unit * item["quantity"]),
                "weight_kg": entry.weight_kg,
            }
        )
    subtotal = sum(to_cents(line["line_total"]) for line in lines)
    # Half-up rounding to the cent, as a till would.
    tax = round_half_up(subtotal * TAX_RATE_BASIS_POINTS / 10_000)
    shipping = 0 if subtotal >= FREE_SHIPPING_FROM_CENTS else SHIPPING_FEE_CENTS
    return {
        "lines": lines,
        "item_count": sum(line["quantity"] for line in lines),
        "subtotal": from_cents(subtotal),
        "tax": from_cents(tax),
        "shipping": from_cents(shipping),
        "total": from_cents(subtotal + tax + shipping),
        "currency": CURRENCY,
    }


def decide_charge(token: str, amount: float, attempt: int) -> tuple[str, str | None, str | None]:
    """(outcome, code, message): `tok_declined` is declined, `tok_flaky` times out on the first
    attempt only, charges above the limit are refused; any other token is approved."""
    if amount > MAX_CHARGE:
        return (
            "declined",
            "amount_limit_exceeded",
            f"charge of {amount:.2f} exceeds the {MAX_CHARGE:.2f} limit; split the order",
        )
    if token == DECLINED_TOKEN:
        return "declined", "card_declined", "card_declined: the issuer declined the card"
    if token == FLAKY_TOKEN and attempt == 1:
        return "unavailable", "gateway_timeout", "payment gateway timed out; will retry"
    return "approved", None, None


def invoice_number(order_id: int) -> str:
    """INV-000042 for order 42 (one invoice per order, so the number is the order's)."""
    return f"INV-{order_id:06d}"


def confirmation_email(order_id: int, priced: dict[str, Any], payment_id: str) -> tuple[str, str]:
    lines = [
        f"  {line['quantity']} x {line['name']} ({line['sku']}) @ {line['unit_price']:.2f} = {line['line_total']:.2f}"
        for line in priced["lines"]
    ]
    shipping = "free" if priced["shipping"] == 0 else f"{priced['shipping']:.2f}"
    body = "\n".join(
        [
            f"Thank you for your order #{order_id}.",
            "",
            *lines,
            "",
            f"Subtotal: {priced['subtotal']:.2f} {priced['currency']}",
            f"Tax (8.75%): {priced['tax']:.2f}",
            f"Shipping: {shipping}",
            f"Total charged: {priced['total']:.2f} {priced['currency']} (payment {payment_id})",
        ]
    )
    return f"Order #{order_id} confirmed", body
