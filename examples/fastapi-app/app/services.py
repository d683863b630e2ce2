"""The internal downstream services the microservices workflow calls over HTTP: user profiles
(customers table) and order history (orders table), mounted at /internal (SERVICES_BASE_URL can
point elsewhere). `cust-004-flaky`'s profile answers 503 to the first call of each request: the
fault is claimed in the database (a unique audit_logs key per request id), so it holds across
worker processes and a second call for the same request always succeeds."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from .deps import get_deps
from .models import AuditLog, Customer, Order
from .rows import to_json

router = APIRouter(tags=["internal services"])
REQUEST_ID_HEADER = "x-request-id"
FLAKY_PROFILE_CUSTOMERS = frozenset({"cust-004-flaky"})
USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _bad_user_id(user_id: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": f"user id \"{user_id}\" is malformed: use 1-64 letters, digits, '-' or '_' (e.g. cust-001)"
        },
        status_code=400,
    )


async def claim_first_call_fault(user_id: str, request_id: str | None) -> bool:
    """True exactly once per (customer, request id): the call that gets the simulated outage."""
    if not request_id or user_id not in FLAKY_PROFILE_CUSTOMERS:
        return False
    async with get_deps().session.begin() as s:
        inserted = (
            await s.execute(
                insert(AuditLog)
                .values(
                    dedupe_key=f"fault:user_profiles:first_call_503:{request_id}",
                    entity_type="customer",
                    entity_id=user_id,
                    action="simulated_outage",
                    actor="user_profiles_service",
                    details={
                        "request_id": request_id,
                        "status": 503,
                        "rule": "first call per request fails for flaky customers",
                    },
                )
                .on_conflict_do_nothing(index_elements=[AuditLog.dedupe_key])
                .returning(AuditLog.id)
            )
        ).scalar_one_or_none()
    return inserted is not None


@router.get("/health")
async def services_health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/users/{user_id}")
async def user_profile(user_id: str, request: Request) -> JSONResponse:
    if not USER_ID.match(user_id):
        return _bad_user_id(user_id)
    if await claim_first_call_fault(user_id, request.headers.get(REQUEST_ID_HEADER)):
        return JSONResponse(
            {"error": "user profile service is temporarily unavailable; retry the request"}, status_code=503
        )
    async with get_deps().session() as s:
        customer = await s.get(Customer, user_id)
    if customer is None:
        return JSONResponse({"error": f"no customer with id {user_id}"}, status_code=404)
    return JSONResponse(
        {
            "user_id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "tier": customer.tier,
            "member_since": to_json(customer.created_at),
        }
    )


@router.get("/users/{user_id}/orders")
async def order_history(user_id: str) -> JSONResponse:
    if not USER_ID.match(user_id):
        return _bad_user_id(user_id)
    async with get_deps().session() as s:
        customer = await s.get(Customer, user_id)
        if customer is None:
            return JSONResponse({"error": f"no customer with id {user_id}"}, status_code=404)
        orders = (
            (
                await s.execute(
                    select(Order)
                    .where(Order.customer_email == customer.email)
                    .order_by(Order.created_at.desc(), Order.id.desc())
                )
            )
            .scalars()
            .all()
        )
    return JSONResponse(
        {
            "user_id": user_id,
            "orders": [
                {
                    "id": o.id,
                    # Orders whose price could not be computed (unknown sku) never charged anything.
                    "total": float(o.total) if o.total is not None else 0,
                    "status": o.status,
                    "item_count": sum(int(i.get("quantity", 0)) for i in o.items),
                    "created_at": to_json(o.created_at),
                }
                for o in orders
            ],
        }
    )
