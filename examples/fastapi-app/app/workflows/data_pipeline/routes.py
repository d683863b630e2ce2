"""POST /analytics/jobs, GET /analytics/jobs/{id}."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ...deps import get_deps
from ...models import AnalyticsJob
from ...rows import create_task_backed_row, respond_with_row_and_task
from .dataset import dataset_url_problem

router = APIRouter(tags=["analytics"])


def _source(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("source is required: a name for the data, e.g. q1-sales")
    if not re.fullmatch(r"[\w .:/@-]+", value):
        raise ValueError("source may contain letters, digits, spaces and . _ - : / @")
    return value


def _dataset_url(value: str) -> str:
    value = value.strip()
    if not re.match(r"^(file|https?)://", value):
        raise ValueError("dataset_url must start with file://, http:// or https://")
    return value


class CreateAnalyticsJob(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Annotated[str, Field(max_length=200), AfterValidator(_source)]
    dataset_url: Annotated[
        str | None, Field(max_length=2048), AfterValidator(lambda v: None if v is None else _dataset_url(v))
    ] = None


@router.post("/analytics/jobs", status_code=201)
async def create_job(body: CreateAnalyticsJob) -> JSONResponse:
    deps = get_deps()
    problem = dataset_url_problem(body.dataset_url, deps.settings.dataset_dir) if body.dataset_url else None
    if problem:
        return JSONResponse(
            {
                "error": "invalid request body",
                "issues": [{"path": "dataset_url", "message": f"dataset_url {problem}"}],
            },
            status_code=400,
        )

    async def insert() -> AnalyticsJob:
        async with deps.session.begin() as s:
            row = AnalyticsJob(source=body.source, dataset_url=body.dataset_url, status="pending")
            s.add(row)
            await s.flush()
            await s.refresh(row)
            return row

    def request(job: AnalyticsJob) -> dict[str, Any]:
        return {
            "namespace": "data_pipeline_py",
            "name": "analytics_pipeline",
            "version": "1.0.0",
            "context": {"job_id": job.id, "source": job.source, "dataset_url": job.dataset_url},
            "source_system": "fastapi-app",
            "reason": f"analytics job #{job.id} ({job.source})",
            "tags": ["analytics", f"analytics_job:{job.id}"],
        }

    return await create_task_backed_row(deps, AnalyticsJob, insert, request)


@router.get("/analytics/jobs/{job_id}")
async def get_job(job_id: str) -> JSONResponse:
    return await respond_with_row_and_task(get_deps(), AnalyticsJob, job_id, "analytics job")
