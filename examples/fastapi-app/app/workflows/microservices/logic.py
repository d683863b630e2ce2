"""Pure logic of the microservices workflow: the downstream call policy, order statistics, the
merged view and the answer's shape per request type."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tasker_sdk import PermanentError, RetryableError

M = TypeVar("M", bound=BaseModel)
RequestType = Literal["profile_summary", "order_summary", "full_report"]
DEFAULT_CALL_TIMEOUT = 5.0
RECENT_ORDER_LIMIT = 5
HIGH_VALUE_SPEND = 1000
LOYAL_ORDER_COUNT = 3
NOT_CHARGED = frozenset({"failed", "cancelled"})


class UserProfile(BaseModel):
    user_id: str
    name: str
    email: str
    tier: str
    member_since: str


class OrderHistoryOrder(BaseModel):
    id: int
    total: float
    status: str
    item_count: int
    created_at: str


class OrderHistory(BaseModel):
    user_id: str
    orders: list[OrderHistoryOrder]


def _detail(body: str) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    return f": {parsed['error']}" if isinstance(parsed, dict) and isinstance(parsed.get("error"), str) else ""


def classify_failure(service: str, url: str, status: int, retry_after: str | None, body: str) -> Exception:
    """404 or another client error can never succeed on retry (permanent); 5xx, 429, 408 may."""
    metadata = {"service": service, "url": url, "status": status}
    if status == 404:
        return PermanentError(
            f"{service} has no such resource (404 {url}){_detail(body)}",
            code="downstream_not_found",
            metadata=metadata,
        )
    if status >= 500 or status in (429, 408):
        seconds: float | None = None
        try:
            seconds = float(retry_after) if retry_after is not None else None
        except ValueError:
            seconds = None
        return RetryableError(
            f"{service} is unavailable ({status} {url}){_detail(body)}",
            code="downstream_unavailable",
            metadata=metadata,
            retry_after=seconds if seconds is not None and seconds >= 0 else None,
        )
    return PermanentError(
        f"{service} rejected the request ({status} {url}){_detail(body)}",
        code="downstream_rejected",
        metadata=metadata,
    )


async def call_downstream(
    client: httpx.AsyncClient,
    service: str,
    url: str,
    model: type[M],
    *,
    timeout: float,
    headers: dict[str, str],
) -> M:
    metadata = {"service": service, "url": url}
    try:
        response = await client.get(url, headers={"accept": "application/json", **headers}, timeout=timeout)
    except httpx.TimeoutException as err:
        raise RetryableError(
            f"{service} did not answer within {int(timeout * 1000)} ms ({url})",
            code="downstream_timeout",
            metadata={**metadata, "timeout_ms": int(timeout * 1000)},
        ) from err
    except httpx.HTTPError as err:
        raise RetryableError(
            f"{service} is unreachable at {url}: {err}", code="downstream_unreachable", metadata=metadata
        ) from err
    if not response.is_success:
        raise classify_failure(
            service, url, response.status_code, response.headers.get("retry-after"), response.text
        )
    try:
        payload = response.json()
    except ValueError:
        raise RetryableError(
            f"{service} answered {response.status_code} with a body that is not JSON ({url})",
            code="downstream_invalid_response",
            metadata=metadata,
        ) from None
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        # A contract mismatch will not fix itself by retrying.
        described = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()
        )
        raise PermanentError(
            f"{service} answered with an unexpected shape: {described}",
            code="downstream_contract_violation",
            metadata=metadata,
        ) from None


def half_up(value: float) -> int:
    """Math.round: halves go up (Python's round() goes to even)."""
    return math.floor(value + 0.5)


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def order_stats(orders: list[OrderHistoryOrder]) -> dict[str, Any]:
    """Failed and cancelled orders were never charged, so they do not count towards spend."""
    counted = [o for o in orders if o.status not in NOT_CHARGED]
    cents = sum(half_up(o.total * 100) for o in counted)
    times = sorted((o.created_at for o in counted), key=_ts)
    return {
        "order_count": len(counted),
        "total_spent": cents / 100,
        "average_order_value": 0 if not counted else half_up(cents / len(counted)) / 100,
        "first_order_at": times[0] if times else None,
        "last_order_at": times[-1] if times else None,
        "excluded_orders": len(orders) - len(counted),
    }


def merge_results(profile: UserProfile, history: OrderHistory) -> dict[str, Any]:
    if profile.user_id != history.user_id:
        raise ValueError(
            f"profile is for {profile.user_id} but order history is for {history.user_id}; refusing to merge"
        )
    recent = sorted(history.orders, key=lambda o: (_ts(o.created_at), o.id), reverse=True)[
        :RECENT_ORDER_LIMIT
    ]
    return {
        "user_id": profile.user_id,
        "profile": profile.model_dump(exclude={"user_id"}),
        "order_stats": order_stats(history.orders),
        "recent_orders": [
            {"id": o.id, "total": o.total, "status": o.status, "created_at": o.created_at} for o in recent
        ],
    }


def customer_segment(view: dict[str, Any]) -> str:
    stats = view["order_stats"]
    if stats["order_count"] == 0:
        return "new"
    if stats["total_spent"] >= HIGH_VALUE_SPEND:
        return "high_value"
    if stats["order_count"] >= LOYAL_ORDER_COUNT:
        return "loyal"
    return "occasional"


def format_response(request_type: str, view: dict[str, Any]) -> dict[str, Any]:
    if request_type == "profile_summary":
        return {"request_type": request_type, "user_id": view["user_id"], **view["profile"]}
    stats = view["order_stats"]
    if request_type == "order_summary":
        return {
            "request_type": request_type,
            "user_id": view["user_id"],
            "order_count": stats["order_count"],
            "total_spent": stats["total_spent"],
            "average_order_value": stats["average_order_value"],
            "last_order_at": stats["last_order_at"],
            "recent_orders": view["recent_orders"],
        }
    return {
        "request_type": request_type,
        "user_id": view["user_id"],
        "profile": view["profile"],
        "order_stats": stats,
        "recent_orders": view["recent_orders"],
        "customer_segment": customer_segment(view),
    }
