"""POST /compliance/checks (one row, two tasks), GET /compliance/checks/{id} (row + both tasks)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ...deps import get_deps
from ...http_errors import malformed_id, not_found, parse_row_id
from ...models import ComplianceCheck
from ...rows import engine_failure_response, row_json, task_summary_for
from .checks import launch_check_tasks, refresh_check_status

router = APIRouter(tags=["compliance checks"])


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError("country must be an ISO 3166-1 alpha-2 code such as US or DE")
    return value


class OrderLineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(strict=True, ge=1, le=1000)]


class DestinationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: Annotated[str, BeforeValidator(_upper), AfterValidator(_country)]
    region: Annotated[str | None, BeforeValidator(_strip), Field(min_length=1, max_length=64)] = None


class CreateComplianceCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_ref: Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=100)]
    items: Annotated[list[OrderLineBody], Field(min_length=1, max_length=100)]
    destination: DestinationBody
    coupon_code: Annotated[str | None, BeforeValidator(_upper), Field(min_length=1, max_length=32)] = None
    #: The business unit the check is filed under (a label on the row, default `default`).
    namespace: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_]{1,29}$")] = None
    #: A customer id (e.g. cust-001) whose tier earns a loyalty discount.
    customer_id: Annotated[str | None, BeforeValidator(_strip), Field(min_length=1, max_length=64)] = None


@router.post("/compliance/checks", status_code=201)
async def create_check(body: CreateComplianceCheck) -> JSONResponse:
    deps = get_deps()
    async with deps.session.begin() as s:
        row = ComplianceCheck(
            order_ref=body.order_ref,
            namespace=body.namespace or "default",
            status="pending",
            correlation_id=str(uuid.uuid4()),
            items=[i.model_dump() for i in body.items],
            destination=body.destination.model_dump(exclude_none=True),
            coupon_code=body.coupon_code,
            customer_id=body.customer_id,
        )
        s.add(row)
        await s.flush()
        await s.refresh(row)
    stored, failure = await launch_check_tasks(deps, row)
    if failure is not None:
        return engine_failure_response(failure, stored)
    return JSONResponse(stored, status_code=201)


@router.get("/compliance/checks/{check_id}")
async def get_check(check_id: str) -> JSONResponse:
    deps = get_deps()
    row_id = parse_row_id(check_id)
    if row_id is None:
        return malformed_id("compliance check", check_id)
    async with deps.session() as s:
        row = await s.get(ComplianceCheck, row_id)
    if row is None:
        return not_found(f"compliance check {row_id} not found")
    tasks: dict[str, Any] = {}
    finished = True
    for team, task_uuid in row.task_uuids.items():
        summary, task, _ = await task_summary_for(deps, task_uuid)
        tasks[team] = summary
        finished = finished and task is not None and task.finished
    if (
        row.status in ("pending", "processing")
        and row.task_uuids
        and (finished or any(t and t["status"] == "error" for t in tasks.values()))
        and await refresh_check_status(deps, row_id)
    ):
        async with deps.session() as s:
            row = await s.get(ComplianceCheck, row_id) or row
    primary, _, error = await task_summary_for(deps, row.task_uuid)
    body = row_json(row)
    body["task"] = primary
    if error:
        body["task_error"] = error
    # Both teams' tasks by team: {"sales": {...}, "compliance": {...}}.
    body["tasks"] = tasks
    return JSONResponse(body)
