"""POST /services/requests, GET /services/requests/{id}."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ...deps import get_deps
from ...models import ServiceRequest
from ...rows import create_task_backed_row, respond_with_row_and_task

router = APIRouter(tags=["service requests"])


def _user_id(value: str) -> str:
    import re

    value = value.strip()
    if not value:
        raise ValueError("user_id is required")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        raise ValueError("user_id may only contain letters, digits, '-' and '_'")
    return value


class CreateServiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: Annotated[str, Field(max_length=64), AfterValidator(_user_id)]
    request_type: Literal["profile_summary", "order_summary", "full_report"]


@router.post("/services/requests", status_code=201)
async def create_service_request(body: CreateServiceRequest) -> JSONResponse:
    deps = get_deps()

    async def insert() -> ServiceRequest:
        async with deps.session.begin() as s:
            row = ServiceRequest(user_id=body.user_id, request_type=body.request_type, status="pending")
            s.add(row)
            await s.flush()
            await s.refresh(row)
            return row

    def request(row: ServiceRequest) -> dict[str, Any]:
        return {
            "namespace": "microservices_py",
            "name": "user_request",
            "version": "1.0.0",
            "context": {
                "service_request_id": row.id,
                "user_id": row.user_id,
                "request_type": body.request_type,
            },
            "initiator": "fastapi-app",
            "source_system": "fastapi-app",
            "reason": f"service request {row.id}: {body.request_type} for {body.user_id}",
            "tags": ["microservices", body.request_type],
        }

    return await create_task_backed_row(deps, ServiceRequest, insert, request)


@router.get("/services/requests/{request_id}")
async def get_service_request(request_id: str) -> JSONResponse:
    return await respond_with_row_and_task(get_deps(), ServiceRequest, request_id, "service request")
