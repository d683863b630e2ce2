"""Accept now, start the task in the background: POST answers 202 ``{id, status: "queued"}`` at
once and a job on the app's queue creates the task, retrying while the engine is unavailable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from .deps import AppDeps
from .jobs import Job
from .rows import R, find_row, launch_task_for_row, update_row

INTAKE_ATTEMPTS = 5


def intake_queue(table: str) -> str:
    return f"task-intake-{table}"


def register_task_intake(
    deps: AppDeps, model: type[R], build_request: Callable[[R, Any], dict[str, Any]], concurrency: int = 4
) -> None:
    async def process(job: Job) -> None:
        row = await find_row(deps, model, job.data["id"])
        # Delivered twice, or the row moved on: nothing to do.
        if row is None or row.status != "queued":
            return
        last = job.attempt >= job.max_attempts
        result = await launch_task_for_row(
            deps,
            model,
            row,
            build_request(row, job.data.get("extra")),
            keep_row_on_transient_failure=not last,
        )
        # Raising makes the queue retry with backoff; the row stays `queued` meanwhile.
        if not result.ok and not last and result.failure is not None and result.failure.transient:
            raise RuntimeError(result.failure.message)

    deps.jobs.process(intake_queue(model.__tablename__), concurrency, process)


async def queue_task_backed_row(
    deps: AppDeps, model: type[R], insert_row: Callable[[], Awaitable[R]], extra: Any = None
) -> JSONResponse:
    row = await insert_row()
    try:
        await deps.jobs.add(
            intake_queue(model.__tablename__),
            {"id": row.id, "extra": extra},
            job_id=f"{model.__tablename__}-{row.id}",
            attempts=INTAKE_ATTEMPTS,
            backoff=1.0,
        )
    except RuntimeError as err:
        message = f"could not queue the work: {err}"
        await update_row(deps, model, row.id, status="failed", error=message)
        return JSONResponse(
            {"error": message, "id": row.id, "status": "failed"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"id": row.id, "status": "queued"}, status_code=202)
