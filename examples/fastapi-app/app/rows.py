"""Rows whose work is a task (orders, analytics_jobs, service_requests; compliance_checks have
two tasks, see workflows/team_scaling/checks.py). Every workflow uses these helpers, so create
and read behave the same on every endpoint:

  create_task_backed_row  POST: insert pending -> create the task (idempotency key from the row)
                          -> store task_uuid -> processing -> 201 with the row; when the engine
                          refuses: the row is failed and the answer 502/503 JSON.
  launch_task_for_row     the middle part, for rows inserted otherwise (the async intake job).
  respond_with_row_and_task  GET /:id: 400 malformed id, 404 unknown, else the row plus `task`.

A row follows its task to the end through the worker's task-finished events (a report's answer
says when a task reached a terminal state), and whenever the app reads the task (create, GET).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from fastapi.responses import JSONResponse
from sqlalchemy import inspect, select, update
from tasker_sdk import Task, TaskerApiError, TaskerConnectionError, TaskFinished

from .deps import AppDeps
from .http_errors import malformed_id, not_found, parse_row_id
from .models import AnalyticsJob, Base, Order, ServiceRequest

logger = logging.getLogger("app.rows")

R = TypeVar("R", Order, AnalyticsJob, ServiceRequest)
SINGLE_TASK_TABLES: tuple[type[Order] | type[AnalyticsJob] | type[ServiceRequest], ...] = (
    Order,
    AnalyticsJob,
    ServiceRequest,
)

ROW_STATUS_FOR_TASK = {
    "complete": "completed",
    "resolved_manually": "completed",
    "error": "failed",
    "cancelled": "cancelled",
}


def row_status_for(task_status: str) -> str | None:
    """The row status for a terminal task state; None while the task runs."""
    return ROW_STATUS_FOR_TASK.get(task_status)


def to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def row_json(row: Base) -> dict[str, Any]:
    """A row as the API returns it: every column, money as numbers, times as ISO 8601."""
    return {c.key: to_json(getattr(row, c.key)) for c in inspect(type(row)).column_attrs}


def idempotency_key(table: str, row_id: int, created_at: datetime) -> str:
    """The row id plus its creation time: the same row never starts two tasks, and a fresh app
    database (ids from 1 again) never collides with old tasks."""
    return f"{table}-{row_id}-{int(created_at.timestamp() * 1000)}"


# --- the engine's answers as HTTP answers -------------------------------------------------------


@dataclass
class EngineFailure:
    status: int
    transient: bool
    message: str
    details: Any = None
    retry_after: int | None = None


def classify_engine_error(err: Exception) -> EngineFailure:
    """The engine refused the task (bad context, conflict...) -> 502, it will not work if repeated;
    overloaded or unreachable -> 503 with Retry-After, worth trying again."""
    if isinstance(err, TaskerApiError):
        if err.transient:
            return EngineFailure(
                503,
                True,
                f"the workflow engine is unavailable: {err.message}",
                err.details,
                int(err.retry_after or 5),
            )
        return EngineFailure(
            502, False, f"the workflow engine rejected the task ({err.code}): {err.message}", err.details
        )
    if isinstance(err, TaskerConnectionError):
        return EngineFailure(503, True, f"the workflow engine could not be reached: {err}", None, 5)
    raise err


def engine_failure_response(failure: EngineFailure, row: dict[str, Any] | None) -> JSONResponse:
    body: dict[str, Any] = {"error": failure.message}
    if failure.details is not None:
        body["details"] = failure.details
    if row is not None:
        body.update(id=row["id"], status=row["status"])
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
    return JSONResponse(body, status_code=failure.status, headers=headers)


# --- creating a row's task ----------------------------------------------------------------------


@dataclass
class LaunchResult:
    ok: bool
    row: dict[str, Any] | None
    failure: EngineFailure | None = None


async def update_row(deps: AppDeps, model: type[Base], row_id: int, **values: Any) -> dict[str, Any] | None:
    async with deps.session.begin() as s:
        row = await s.get(model, row_id)
        if row is None:
            return None
        for key, value in values.items():
            setattr(row, key, value)
        await s.flush()
        await s.refresh(row)
        return row_json(row)


async def launch_task_for_row(
    deps: AppDeps,
    model: type[R],
    row: R,
    request: dict[str, Any],
    *,
    keep_row_on_transient_failure: bool = False,
) -> LaunchResult:
    """Creates the row's task and records it on the row (``processing``). When the engine refuses,
    the row is ``failed`` with the reason, unless the failure is transient and the caller (a job
    that will try again) asked to keep it."""
    table = model.__tablename__
    try:
        created = await deps.tasker.create_task(
            idempotency_key=idempotency_key(table, row.id, row.created_at), **request
        )
    except (TaskerApiError, TaskerConnectionError) as err:
        failure = classify_engine_error(err)
        logger.warning("the engine did not accept the task for %s %s: %s", table, row.id, failure.message)
        if failure.transient and keep_row_on_transient_failure:
            return LaunchResult(False, None, failure)
        failed = await update_row(deps, model, row.id, status="failed", error=failure.message)
        return LaunchResult(False, failed, failure)
    await update_row(deps, model, row.id, task_uuid=created.task.task_uuid, status="processing")
    # The task may already have finished before its uuid was stored: its event found no row.
    await reconcile_task(deps, created.task.task_uuid)
    async with deps.session() as s:
        stored = await s.get(model, row.id)
        return LaunchResult(True, row_json(stored) if stored else None)


async def create_task_backed_row(
    deps: AppDeps,
    model: type[R],
    insert_row: Callable[[], Awaitable[R]],
    build_request: Callable[[R], dict[str, Any]],
) -> JSONResponse:
    row = await insert_row()
    result = await launch_task_for_row(deps, model, row, build_request(row))
    if not result.ok:
        assert result.failure is not None
        return engine_failure_response(result.failure, result.row)
    return JSONResponse(result.row, status_code=201)


# --- reading a row with its task ----------------------------------------------------------------


def summarize_task(task: Task) -> dict[str, Any]:
    return {
        "task_uuid": task.task_uuid,
        "status": task.status,
        "completion_percentage": task.completion_percentage,
        "total_steps": task.total_steps,
        "pending_steps": task.pending_steps,
        "in_progress_steps": task.in_progress_steps,
        "completed_steps": task.completed_steps,
        "failed_steps": task.failed_steps,
        "error": task.error,
        "steps": [
            {"name": s.name, "state": s.current_state, "attempts": s.attempts, "max_attempts": s.max_attempts}
            for s in task.steps
        ],
    }


async def task_summary_for(
    deps: AppDeps, task_uuid: str | None
) -> tuple[dict[str, Any] | None, Task | None, str | None]:
    """(summary, task, error): the engine's view of a row's task, or why it cannot be had."""
    if not task_uuid:
        return None, None, None
    try:
        task = await deps.tasker.get_task(task_uuid)
    except (TaskerApiError, TaskerConnectionError) as err:
        return None, None, classify_engine_error(err).message
    return summarize_task(task), task, None


async def respond_with_row_and_task(deps: AppDeps, model: type[R], raw_id: str, what: str) -> JSONResponse:
    row_id = parse_row_id(raw_id)
    if row_id is None:
        return malformed_id(what, raw_id)
    async with deps.session() as s:
        row = await s.get(model, row_id)
    if row is None:
        return not_found(f"{what} {row_id} not found")
    summary, task, error = await task_summary_for(deps, row.task_uuid)
    if task is not None and task.finished and row.status in ("pending", "processing"):
        await apply_task_status(deps, task.task_uuid, task.status, task.error)
        async with deps.session() as s:
            row = await s.get(model, row_id) or row
    body = row_json(row)
    body["task"] = summary
    if error:
        body["task_error"] = error
    return JSONResponse(body)


# --- rows follow their tasks --------------------------------------------------------------------

StatusMapper = Callable[[AppDeps, str, str, str | None, str], Awaitable[bool]]
#: Extra mappers for rows the single-task tables do not cover (compliance checks add theirs).
EXTRA_MAPPERS: list[StatusMapper] = []


async def apply_task_status(
    deps: AppDeps, task_uuid: str, status: str, error: str | None, correlation_id: str = ""
) -> bool:
    """Sets the status of the rows owning ``task_uuid`` for a terminal task state. Idempotent."""
    row_status = row_status_for(status)
    if row_status is None:
        return False
    changed = False
    async with deps.session.begin() as s:
        for model in SINGLE_TASK_TABLES:
            result = await s.execute(
                update(model)
                .where(model.task_uuid == task_uuid, model.status != row_status)
                .values(
                    status=row_status, error=(error or "the task failed") if row_status == "failed" else None
                )
                .returning(model.id)
            )
            changed = bool(result.all()) or changed
    for mapper in EXTRA_MAPPERS:
        changed = await mapper(deps, task_uuid, status, error, correlation_id) or changed
    return changed


async def reconcile_task(deps: AppDeps, task_uuid: str) -> None:
    try:
        task = await deps.tasker.get_task(task_uuid)
    except (TaskerApiError, TaskerConnectionError) as err:
        logger.debug("could not read task %s; its events will update the row: %s", task_uuid, err)
        return
    if task.finished:
        await apply_task_status(deps, task.task_uuid, task.status, task.error, task.correlation_id)


def task_finished_listener(get: Callable[[], AppDeps]) -> Callable[[TaskFinished], Awaitable[None]]:
    """The worker's ``on_task_finished``: reads the ended task once (for its error) and updates
    the rows it belongs to."""

    async def on_finished(event: TaskFinished) -> None:
        deps = get()
        error: str | None = None
        if event.status == "error":
            try:
                error = (await deps.tasker.get_task(event.task_uuid)).error
            except (TaskerApiError, TaskerConnectionError):
                error = None
        await apply_task_status(deps, event.task_uuid, event.status, error, event.correlation_id)

    return on_finished


async def find_row(deps: AppDeps, model: type[R], row_id: int) -> R | None:
    async with deps.session() as s:
        return (await s.execute(select(model).where(model.id == row_id))).scalar_one_or_none()
