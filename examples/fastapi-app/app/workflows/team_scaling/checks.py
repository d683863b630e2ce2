"""A compliance check owns two tasks in two namespaces, created together with one correlation id:
Team A's quote (sales_py/quote_generation) and Team B's review (compliance_py/compliance_review).
Its status follows both: failed as soon as either fails, completed only when both are done."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select, update
from tasker_sdk import TaskerApiError, TaskerConnectionError

from ...deps import AppDeps
from ...models import ComplianceCheck
from ...rows import EXTRA_MAPPERS, EngineFailure, classify_engine_error, idempotency_key, row_json

logger = logging.getLogger("app.checks")

#: By team, as compliance_checks.task_uuids is keyed in every app.
TEMPLATES = {
    "sales": {"namespace": "sales_py", "name": "quote_generation", "version": "1.0.0"},
    "compliance": {"namespace": "compliance_py", "name": "compliance_review", "version": "1.0.0"},
}
PRIMARY_TEAM = "compliance"
CHECK_NAMESPACES = {t["namespace"] for t in TEMPLATES.values()}
TERMINAL_CHECK_STATUSES = ("completed", "failed", "cancelled")


def check_status_for(states: list[str]) -> str:
    if not states:
        return "pending"
    if "error" in states:
        return "failed"
    if "cancelled" in states:
        return "cancelled"
    # An operator resolving a task manually accepts its outcome.
    if all(s in ("complete", "resolved_manually") for s in states):
        return "completed"
    return "processing"


def check_task_context(row: ComplianceCheck) -> dict[str, Any]:
    context: dict[str, Any] = {
        "check_id": row.id,
        "order_ref": row.order_ref,
        "items": row.items,
        "destination": row.destination,
    }
    if row.coupon_code:
        context["coupon_code"] = row.coupon_code
    if row.customer_id:
        context["customer_id"] = row.customer_id
    return context


async def launch_check_tasks(
    deps: AppDeps, row: ComplianceCheck
) -> tuple[dict[str, Any], EngineFailure | None]:
    """Creates both tasks. If the engine refuses either, the one already created is cancelled
    (half a check is no check) and the row is failed with the reason."""
    context = check_task_context(row)
    row_key = idempotency_key("compliance_checks", row.id, row.created_at)

    async def create(team: str) -> tuple[str, str]:
        template = TEMPLATES[team]
        created = await deps.tasker.create_task(
            template["name"],
            template["namespace"],
            version=template["version"],
            context=context,
            correlation_id=row.correlation_id,
            idempotency_key=f"{row_key}-{template['namespace']}",
            initiator="fastapi-app",
            source_system="fastapi-app",
            reason=f"compliance check {row.id} for order {row.order_ref}",
            tags=["team-scaling", template["namespace"]],
        )
        return team, created.task.task_uuid

    outcomes = await asyncio.gather(*(create(team) for team in TEMPLATES), return_exceptions=True)
    created = dict(o for o in outcomes if isinstance(o, tuple))
    refused = next((o for o in outcomes if isinstance(o, BaseException)), None)
    if refused is not None:
        if not isinstance(refused, TaskerApiError | TaskerConnectionError):
            raise refused
        failure = classify_engine_error(refused)
        for team, task_uuid in created.items():
            other = next(t for t in TEMPLATES if t != team)
            try:
                await deps.tasker.cancel_task(
                    task_uuid, f"compliance check {row.id}: the {other} task was refused"
                )
            except (TaskerApiError, TaskerConnectionError) as err:
                logger.warning("could not cancel the orphaned task %s: %s", task_uuid, err)
        async with deps.session.begin() as s:
            stored = await s.get(ComplianceCheck, row.id)
            assert stored is not None
            stored.status, stored.error, stored.task_uuids = "failed", failure.message, created
            await s.flush()
            await s.refresh(stored)
            return row_json(stored), failure
    async with deps.session.begin() as s:
        await s.execute(
            update(ComplianceCheck)
            .where(ComplianceCheck.id == row.id)
            .values(task_uuids=created, task_uuid=created[PRIMARY_TEAM], status="processing")
        )
    # Both tasks may already have finished before their uuids were stored.
    await refresh_check_status(deps, row.id)
    async with deps.session() as s:
        stored = await s.get(ComplianceCheck, row.id)
        assert stored is not None
        return row_json(stored), None


async def refresh_check_status(
    deps: AppDeps, check_id: int, known: tuple[str, str, str | None] | None = None
) -> bool:
    """Recomputes a check's status from its tasks' states (``known``: one task's (uuid, status,
    error) already at hand); writes it when it is terminal. True when the row changed."""
    async with deps.session() as s:
        row = await s.get(ComplianceCheck, check_id)
    if row is None or len(row.task_uuids) < len(TEMPLATES):
        return False
    states: list[tuple[str, str, str | None]] = []
    for team, task_uuid in row.task_uuids.items():
        if known is not None and known[0] == task_uuid:
            states.append((team, known[1], known[2]))
            continue
        try:
            task = await deps.tasker.get_task(task_uuid)
        except (TaskerApiError, TaskerConnectionError):
            return False
        states.append((team, task.status, task.error))
    status = check_status_for([s for _, s, _ in states])
    if status not in TERMINAL_CHECK_STATUSES or status == row.status:
        return False
    error = None
    if status == "failed":
        error = "; ".join(
            f"{team} task failed: {err or 'no reason given'}" for team, s, err in states if s == "error"
        )
    async with deps.session.begin() as s:
        await s.execute(
            update(ComplianceCheck).where(ComplianceCheck.id == check_id).values(status=status, error=error)
        )
    return True


async def check_status_mapper(
    deps: AppDeps, task_uuid: str, status: str, error: str | None, correlation_id: str
) -> bool:
    """Runs for every ended task: recomputes the status of the check the task belongs to."""
    if not correlation_id:
        return False
    async with deps.session() as s:
        rows = (
            await s.execute(
                select(ComplianceCheck.id, ComplianceCheck.task_uuids).where(
                    ComplianceCheck.correlation_id == correlation_id
                )
            )
        ).all()
    changed = False
    for check_id, task_uuids in rows:
        if task_uuid in task_uuids.values():
            changed = await refresh_check_status(deps, check_id, (task_uuid, status, error)) or changed
    return changed


EXTRA_MAPPERS.append(check_status_mapper)
