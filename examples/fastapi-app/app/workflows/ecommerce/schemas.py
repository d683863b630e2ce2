"""What crosses a boundary in the e-commerce workflow: the HTTP body, the task context, and the
step results later steps read."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

NAMESPACE = "ecommerce_py"
TEMPLATE_NAME = "order_processing"
TEMPLATE_VERSION = "1.0.0"

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("customer_email must be an email address")
    return value


def _sku(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("sku is required")
    return value


Sku = Annotated[str, Field(max_length=64), AfterValidator(_sku)]
Quantity = Annotated[int, Field(strict=True, ge=1, le=1000)]


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Sku
    quantity: Quantity


class PaymentInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["card"]
    token: Annotated[str, Field(min_length=1, max_length=255)]


class CreateOrderBody(BaseModel):
    """POST /orders and /orders/async. Prices come from the catalog; a client-sent total is a
    mistake worth reporting (unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid")
    customer_email: Annotated[str, Field(max_length=320), AfterValidator(_email)]
    items: Annotated[list[OrderItem], Field(min_length=1, max_length=100)]
    payment_info: PaymentInfo


def duplicate_sku_issues(body: CreateOrderBody) -> list[dict[str, str]]:
    seen: set[str] = set()
    issues = []
    for index, item in enumerate(body.items):
        if item.sku in seen:
            issues.append(
                {
                    "path": f"items.{index}.sku",
                    "message": f'sku "{item.sku}" appears twice; put the total quantity on one line',
                }
            )
        seen.add(item.sku)
    return issues


class OrderTaskContext(BaseModel):
    """The task context of order_processing (also its template's input_schema)."""

    order_id: Annotated[int, Field(gt=0)]
    customer_email: str
    items: Annotated[list[OrderItem], Field(min_length=1)]
    payment_info: PaymentInfo


class PricedLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: float
    line_total: float
    weight_kg: float


class PricedOrder(BaseModel):
    lines: list[PricedLine]
    item_count: int
    subtotal: Annotated[float, Field(ge=0)]
    tax: Annotated[float, Field(ge=0)]
    shipping: Annotated[float, Field(ge=0)]
    total: Annotated[float, Field(ge=0)]
    currency: Literal["USD"]


class PaymentResult(BaseModel):
    payment_id: str
    amount_charged: Annotated[float, Field(ge=0)]
    currency: str


class PricedDeps(BaseModel):
    validate_inventory: PricedOrder


class ConfirmationDeps(BaseModel):
    validate_inventory: PricedOrder
    process_payment: PaymentResult
