"""The five steps of user_request. The fetch steps call the internal services over HTTP (404
permanent, 5xx / timeouts retryable); format_response saves the answer on the service request
(writing the same result again is harmless, so a retry is idempotent)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import update
from tasker_sdk import PermanentError, StepContext, handler

from ...deps import get_deps
from ...models import ServiceRequest
from .logic import (
    DEFAULT_CALL_TIMEOUT,
    OrderHistory,
    UserProfile,
    call_downstream,
    format_response,
    merge_results,
)

REQUEST_ID_HEADER = "x-request-id"


class UserRequestContext(BaseModel):
    service_request_id: Annotated[int, Field(gt=0)]
    user_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    request_type: Literal["profile_summary", "order_summary", "full_report"]


class ProfileResult(BaseModel):
    profile: UserProfile


class MergeDeps(BaseModel):
    fetch_user_profile: ProfileResult
    fetch_order_history: OrderHistory


class MergedView(BaseModel):
    user_id: str
    profile: dict[str, Any]
    order_stats: dict[str, Any]
    recent_orders: list[dict[str, Any]]


class FormatDeps(BaseModel):
    merge_results: MergedView


def downstream_request_id(service_request_id: int) -> str:
    """The x-request-id the fetch steps send, so downstream logs (and faults) are per request."""
    return f"service-request-{service_request_id}"


def call_timeout(initialization: dict[str, Any]) -> float:
    value = initialization.get("call_timeout_ms")
    return value / 1000 if isinstance(value, int | float) and value > 0 else DEFAULT_CALL_TIMEOUT


@handler("microservices_py.validate_request", inputs=UserRequestContext)
async def validate_request(ctx: StepContext[UserRequestContext, Any]) -> dict[str, Any]:
    """The task's context must describe the service_requests row it belongs to."""
    async with get_deps().session() as s:
        row = await s.get(ServiceRequest, ctx.input.service_request_id)
    if row is None:
        raise PermanentError(
            f"service request {ctx.input.service_request_id} does not exist in service_requests",
            code="service_request_not_found",
        )
    if row.user_id != ctx.input.user_id or row.request_type != ctx.input.request_type:
        raise PermanentError(
            f"task context ({ctx.input.user_id}, {ctx.input.request_type}) does not match service request "
            f"{row.id} ({row.user_id}, {row.request_type})",
            code="context_mismatch",
        )
    return {
        "service_request_id": row.id,
        "user_id": row.user_id,
        "request_type": ctx.input.request_type,
        "valid": True,
    }


@handler("microservices_py.fetch_user_profile", inputs=UserRequestContext)
async def fetch_user_profile(ctx: StepContext[UserRequestContext, Any]) -> dict[str, Any]:
    """GET {services}/users/{id} over HTTP, in parallel with the order history."""
    deps = get_deps()
    profile = await call_downstream(
        deps.http,
        "user_profiles",
        f"{deps.settings.internal_services_url}/users/{ctx.input.user_id}",
        UserProfile,
        timeout=call_timeout(ctx.initialization),
        headers={REQUEST_ID_HEADER: downstream_request_id(ctx.input.service_request_id)},
    )
    return {"service": "user_profiles", "profile": profile.model_dump(), "attempt": ctx.attempt}


@handler("microservices_py.fetch_order_history", inputs=UserRequestContext)
async def fetch_order_history(ctx: StepContext[UserRequestContext, Any]) -> dict[str, Any]:
    """GET {services}/users/{id}/orders over HTTP, in parallel with the profile."""
    deps = get_deps()
    history = await call_downstream(
        deps.http,
        "order_history",
        f"{deps.settings.internal_services_url}/users/{ctx.input.user_id}/orders",
        OrderHistory,
        timeout=call_timeout(ctx.initialization),
        headers={REQUEST_ID_HEADER: downstream_request_id(ctx.input.service_request_id)},
    )
    return {
        "service": "order_history",
        "user_id": history.user_id,
        "orders": [o.model_dump() for o in history.orders],
        "attempt": ctx.attempt,
    }


@handler("microservices_py.merge_results", depends=MergeDeps)
def merge_results_step(ctx: StepContext[Any, MergeDeps]) -> dict[str, Any]:
    """Profile plus order statistics (pure computation: a sync handler, run in a thread)."""
    try:
        return merge_results(ctx.deps.fetch_user_profile.profile, ctx.deps.fetch_order_history)
    except ValueError as err:
        raise PermanentError(str(err), code="inconsistent_downstream_data") from None


@handler("microservices_py.format_response", inputs=UserRequestContext, depends=FormatDeps)
async def format_response_step(ctx: StepContext[UserRequestContext, FormatDeps]) -> dict[str, Any]:
    response = format_response(ctx.input.request_type, ctx.deps.merge_results.model_dump())
    async with get_deps().session.begin() as s:
        saved = (
            await s.execute(
                update(ServiceRequest)
                .where(ServiceRequest.id == ctx.input.service_request_id)
                .values(result=response)
                .returning(ServiceRequest.id)
            )
        ).all()
    if not saved:
        raise PermanentError(
            f"service request {ctx.input.service_request_id} disappeared before its result was saved",
            code="service_request_not_found",
        )
    return {
        "service_request_id": ctx.input.service_request_id,
        "request_type": ctx.input.request_type,
        "response": response,
    }
