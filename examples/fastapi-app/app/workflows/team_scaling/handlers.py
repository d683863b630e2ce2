"""Team A's (sales_py) and Team B's (compliance_py) step handlers. The quote is unique per sales
task and the audit entry per check, so retries cannot add a second; both teams write their part
of the check's `result` with one jsonb merge, so concurrent writers never overwrite each other."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from tasker_sdk import PermanentError, StepContext, StepHandler, handler

from ...deps import get_deps
from ...models import AuditLog, ComplianceCheck, Coupon, Customer, EmbargoedCountry, Product, Quote
from ...rows import to_json
from . import rules


class OrderLine(BaseModel):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=1000)]


class Destination(BaseModel):
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    region: str | None = None


class CheckTaskContext(BaseModel):
    """What both tasks get as their context; the row id ties the steps back to the check."""

    check_id: Annotated[int, Field(gt=0)]
    order_ref: str
    items: Annotated[list[OrderLine], Field(min_length=1)]
    destination: Destination
    coupon_code: str | None = None
    customer_id: str | None = None


class ReceivedOrder(BaseModel):
    check_id: int
    order_ref: str
    lines: list[OrderLine]
    total_units: int
    destination: Destination
    coupon_code: str | None
    customer_id: str | None


class PricedLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: float
    line_total: float
    weight_kg: float
    in_stock: bool


class ValidatedItems(BaseModel):
    lines: list[PricedLine]
    subtotal: float
    total_units: int
    all_in_stock: bool


class ShippingResult(BaseModel):
    zone: str
    total_weight_kg: float
    shipping_cost: float


class Discount(BaseModel):
    kind: str
    code: str
    percent: float
    amount: float


class DiscountResult(BaseModel):
    subtotal: float
    discounts: list[Discount]
    discount_percent: float
    discount_total: float
    discounted_subtotal: float


class ReceivedDeps(BaseModel):
    receive_order: ReceivedOrder


class PricingDeps(ReceivedDeps):
    validate_items: ValidatedItems


class QuoteDeps(PricingDeps):
    calculate_shipping: ShippingResult
    apply_discounts: DiscountResult


class Verdict(BaseModel):
    approved: bool
    destination_country: str
    screened_skus: list[str]
    violations: list[dict[str, Any]]


class TaxAssessment(BaseModel):
    jurisdiction: str
    rule: str
    tax_type: str
    rate_percent: float
    taxable_value: float
    tax_amount: float


class AuditEntry(BaseModel):
    audit_log_id: int
    dedupe_key: str
    recorded_at: str


class VerdictDeps(BaseModel):
    check_compliance: Verdict


class AuditDeps(VerdictDeps):
    verify_tax_rules: TaxAssessment


class ReportDeps(AuditDeps):
    audit_log: AuditEntry


async def products_by_sku(skus: list[str]) -> dict[str, Product]:
    if not skus:
        return {}
    async with get_deps().session() as s:
        return {p.sku: p for p in (await s.execute(select(Product).where(Product.sku.in_(skus)))).scalars()}


async def merge_check_result(check_id: int, key: str, value: Any) -> bool:
    async with get_deps().session.begin() as s:
        rows = (
            await s.execute(
                text(
                    "UPDATE compliance_checks SET result = coalesce(result, '{}'::jsonb) || CAST(:patch AS jsonb), "
                    "updated_at = now() WHERE id = :id RETURNING id"
                ),
                {"patch": json.dumps({key: value}), "id": check_id},
            )
        ).all()
    return bool(rows)


# --- Team A: sales_py ----------------------------------------------------------------------------


@handler("sales_py.receive_order", inputs=CheckTaskContext)
async def receive_order(ctx: StepContext[CheckTaskContext, Any]) -> dict[str, Any]:
    """Acknowledge the order for its compliance check, one line per sku."""
    async with get_deps().session() as s:
        check = await s.get(ComplianceCheck, ctx.input.check_id)
    if check is None:
        raise PermanentError(f"compliance check {ctx.input.check_id} does not exist", code="check_not_found")
    lines, total_units = rules.normalize_order_lines([i.model_dump() for i in ctx.input.items])
    return {
        "check_id": ctx.input.check_id,
        "order_ref": ctx.input.order_ref,
        "lines": lines,
        "total_units": total_units,
        "destination": ctx.input.destination.model_dump(exclude_none=True),
        "coupon_code": ctx.input.coupon_code,
        "customer_id": ctx.input.customer_id,
    }


@handler("sales_py.validate_items", depends=ReceivedDeps)
async def validate_items(ctx: StepContext[Any, ReceivedDeps]) -> dict[str, Any]:
    """Price every line from the catalog; an unknown sku ends the quote."""
    order = ctx.deps.receive_order
    catalog = await products_by_sku([line.sku for line in order.lines])
    unknown = [line.sku for line in order.lines if line.sku not in catalog]
    if unknown:
        raise PermanentError(
            f"unknown sku{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: not in the catalog (see GET /products)",
            code="unknown_sku",
            metadata={"skus": unknown},
        )
    priced: list[dict[str, Any]] = []
    for line in order.lines:
        product = catalog[line.sku]
        priced.append(
            {
                "sku": line.sku,
                "name": product.name,
                "quantity": line.quantity,
                "unit_price": float(product.price),
                "line_total": rules.from_cents(rules.to_cents(float(product.price)) * line.quantity),
                "weight_kg": float(product.weight_kg),
                # A quote does not reserve stock; it says whether the order could ship today.
                "in_stock": product.stock >= line.quantity,
            }
        )
    subtotal = sum(rules.to_cents(line["line_total"]) for line in priced)
    return {
        "lines": priced,
        "subtotal": rules.from_cents(subtotal),
        "total_units": order.total_units,
        "all_in_stock": all(line["in_stock"] for line in priced),
    }


class CalculateShipping(StepHandler):
    """Total weight priced with the destination zone's rate card (a class-style, sync handler)."""

    callable = "sales_py.calculate_shipping"
    depends = PricingDeps

    def call(self, ctx: StepContext[Any, PricingDeps]) -> dict[str, Any]:
        destination = ctx.deps.receive_order.destination
        lines = [line.model_dump() for line in ctx.deps.validate_items.lines]
        return {
            "destination_country": destination.country,
            **rules.calculate_shipping(lines, destination.country),
        }


@handler("sales_py.apply_discounts", depends=PricingDeps)
async def apply_discounts(ctx: StepContext[Any, PricingDeps]) -> dict[str, Any]:
    """Volume, coupon (coupons table) and customer tier (customers table) discounts."""
    order = ctx.deps.receive_order
    coupon: tuple[str, float] | None = None
    tier: str | None = None
    async with get_deps().session() as s:
        if order.coupon_code:
            row = await s.get(Coupon, order.coupon_code)
            if row is None or not row.active:
                raise PermanentError(
                    f"coupon {order.coupon_code} is unknown or no longer active",
                    code="invalid_coupon",
                    metadata={"coupon_code": order.coupon_code},
                )
            coupon = (row.code, float(row.percent_off))
        if order.customer_id:
            customer = await s.get(Customer, order.customer_id)
            if customer is None:
                raise PermanentError(
                    f"customer {order.customer_id} does not exist",
                    code="unknown_customer",
                    metadata={"customer_id": order.customer_id},
                )
            tier = customer.tier
    result = rules.apply_discounts(
        rules.to_cents(ctx.deps.validate_items.subtotal), ctx.deps.validate_items.total_units, coupon, tier
    )
    return {**result, "coupon_code": coupon[0] if coupon else None, "customer_tier": tier}


@handler("sales_py.generate_quote", depends=QuoteDeps)
async def generate_quote(ctx: StepContext[Any, QuoteDeps]) -> dict[str, Any]:
    """The quote, once per sales task (unique task_uuid), numbered from the check id."""
    d = ctx.deps
    order = d.receive_order
    validity = ctx.initialization.get("validity_days")
    issued_at = datetime.now(UTC)
    async with get_deps().session.begin() as s:
        # A retry after the insert committed keeps the first quote (and its expiry).
        await s.execute(
            insert(Quote)
            .values(
                quote_number=rules.quote_number(order.check_id),
                compliance_check_id=order.check_id,
                order_ref=order.order_ref,
                task_uuid=ctx.task_uuid,
                lines=[line.model_dump() for line in d.validate_items.lines],
                subtotal=d.apply_discounts.subtotal,
                discount=d.apply_discounts.discount_total,
                shipping=d.calculate_shipping.shipping_cost,
                total=rules.quote_total(
                    d.apply_discounts.discounted_subtotal, d.calculate_shipping.shipping_cost
                ),
                details={
                    "discounts": [x.model_dump() for x in d.apply_discounts.discounts],
                    "shipping": d.calculate_shipping.model_dump(),
                    "destination": order.destination.model_dump(exclude_none=True),
                },
                expires_at=rules.quote_expiry(issued_at, validity if isinstance(validity, int) else 30),
                created_at=issued_at,
            )
            .on_conflict_do_nothing(index_elements=[Quote.task_uuid])
        )
        quote = (await s.execute(select(Quote).where(Quote.task_uuid == ctx.task_uuid))).scalar_one()
    summary = {
        "quote_id": quote.id,
        "quote_number": quote.quote_number,
        "subtotal": float(quote.subtotal),
        "discount": float(quote.discount),
        "shipping": float(quote.shipping),
        "total": float(quote.total),
        "currency": quote.currency,
        "expires_at": to_json(quote.expires_at),
    }
    await merge_check_result(order.check_id, "quote", summary)
    return summary


# --- Team B: compliance_py -----------------------------------------------------------------------


@handler("compliance_py.check_compliance", inputs=CheckTaskContext)
async def check_compliance(ctx: StepContext[CheckTaskContext, Any]) -> dict[str, Any]:
    """Embargoed destination, restricted or unknown skus end the review with every reason (a
    permanent failure: asking again gives the same answer)."""
    lines, _ = rules.normalize_order_lines([i.model_dump() for i in ctx.input.items])
    catalog = await products_by_sku([line["sku"] for line in lines])
    async with get_deps().session() as s:
        embargoes = {e.country_code: e.reason for e in (await s.execute(select(EmbargoedCountry))).scalars()}
    verdict = rules.screen_order(
        [
            {**line, "restricted": catalog[line["sku"]].restricted if line["sku"] in catalog else None}
            for line in lines
        ],
        ctx.input.destination.country,
        embargoes,
    )
    if not verdict["approved"]:
        raise PermanentError(
            rules.describe_violations(verdict["violations"]),
            code="compliance_violation",
            metadata={"violations": verdict["violations"]},
        )
    return verdict


@handler("compliance_py.verify_tax_rules", inputs=CheckTaskContext, depends=VerdictDeps)
async def verify_tax_rules(ctx: StepContext[CheckTaskContext, VerdictDeps]) -> dict[str, Any]:
    """The destination's import tax on the catalog value of the goods."""
    lines, _ = rules.normalize_order_lines([i.model_dump() for i in ctx.input.items])
    catalog = await products_by_sku([line["sku"] for line in lines])
    # check_compliance already refused unknown skus, so every line has a price here.
    value = sum(rules.to_cents(float(catalog[line["sku"]].price)) * line["quantity"] for line in lines)
    return rules.assess_tax(
        ctx.input.destination.country, ctx.input.destination.region, rules.from_cents(value)
    )


def audit_dedupe_key(check_id: int) -> str:
    return f"compliance_check:{check_id}:review"


@handler("compliance_py.audit_log", inputs=CheckTaskContext, depends=AuditDeps)
async def audit_log(ctx: StepContext[CheckTaskContext, AuditDeps]) -> dict[str, Any]:
    """One audit_logs row per check (unique dedupe key), however often the step runs."""
    key = audit_dedupe_key(ctx.input.check_id)
    tax = ctx.deps.verify_tax_rules
    async with get_deps().session.begin() as s:
        await s.execute(
            insert(AuditLog)
            .values(
                dedupe_key=key,
                entity_type="compliance_check",
                entity_id=str(ctx.input.check_id),
                action="compliance_review.approved",
                actor="compliance_review",
                task_uuid=ctx.task_uuid,
                step_name=ctx.step_name,
                details={
                    "order_ref": ctx.input.order_ref,
                    "destination": ctx.input.destination.model_dump(exclude_none=True),
                    "screened_skus": ctx.deps.check_compliance.screened_skus,
                    "tax_jurisdiction": tax.jurisdiction,
                    "tax_rate_percent": tax.rate_percent,
                    "tax_amount": tax.tax_amount,
                },
            )
            .on_conflict_do_nothing(index_elements=[AuditLog.dedupe_key])
        )
        entry = (await s.execute(select(AuditLog).where(AuditLog.dedupe_key == key))).scalar_one()
    return {
        "audit_log_id": entry.id,
        "dedupe_key": key,
        "action": entry.action,
        "recorded_at": to_json(entry.created_at),
    }


@handler("compliance_py.compliance_report", inputs=CheckTaskContext, depends=ReportDeps)
async def compliance_report(ctx: StepContext[CheckTaskContext, ReportDeps]) -> dict[str, Any]:
    """The signed-off review, saved on the check under result.compliance."""
    d = ctx.deps
    report = {
        "check_id": ctx.input.check_id,
        "order_ref": ctx.input.order_ref,
        "decision": "approved" if d.check_compliance.approved else "rejected",
        "destination": ctx.input.destination.model_dump(exclude_none=True),
        "screened_skus": d.check_compliance.screened_skus,
        "violations": d.check_compliance.violations,
        "tax": d.verify_tax_rules.model_dump(
            include={"jurisdiction", "tax_type", "rate_percent", "taxable_value", "tax_amount"}
        ),
        "audit_log_id": d.audit_log.audit_log_id,
        # The audit entry's time, so a retried step writes the same report.
        "reviewed_at": d.audit_log.recorded_at,
    }
    if not await merge_check_result(ctx.input.check_id, "compliance", report):
        raise PermanentError(
            f"compliance check {ctx.input.check_id} disappeared before its report was saved",
            code="check_not_found",
        )
    return report
