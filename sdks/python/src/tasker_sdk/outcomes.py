"""Outcomes that change a task's shape at run time, as a handler returns them: a decision step's
choice of branches (``Decision``) and a batchable step's batches (``Batches``), each written into
the result under the key the server reads (docs/worker-protocol.md#outcomes); and what a batch
worker instance is given (``BatchInputs``, ``ctx.batch``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

DECISION_OUTCOME_KEY = "decision_point_outcome"
BATCH_OUTCOME_KEY = "batch_processing_outcome"
# The most instances one batchable step's outcome may create (the server refuses more).
MAX_BATCHES = 10_000

Cursor = int | str | dict[str, Any]


class CursorConfig(TypedDict):
    """One batch: its id (the instance is ``{worker_template}_{batch_id}``) and its cursor range
    (start inclusive, end exclusive)."""

    batch_id: str
    start_cursor: Cursor
    end_cursor: Cursor
    batch_size: int


class Decision:
    """A decision step's result: ``return Decision.create_steps(["manager_approval"], amount=5000)``
    or ``return Decision.no_branches()``; extra keyword arguments are the rest of the result."""

    @staticmethod
    def create_steps(step_names: Sequence[str], **result: Any) -> dict[str, Any]:
        """Creates ``step_names`` and the steps behind them. Names the decision cannot create fail
        the step for good (``invalid_decision_outcome``)."""
        if isinstance(step_names, str) or not step_names:
            raise ValueError(
                "create_steps needs a non-empty list of step names (or use Decision.no_branches())"
            )
        return {**result, DECISION_OUTCOME_KEY: {"type": "create_steps", "step_names": list(step_names)}}

    @staticmethod
    def no_branches(**result: Any) -> dict[str, Any]:
        """Creates none of the steps behind the decision."""
        return {**result, DECISION_OUTCOME_KEY: {"type": "no_branches"}}


def plan_batches(total: int, batch_size: int, start: int = 0) -> list[CursorConfig]:
    """Cursor configs for ``total`` items numbered from ``start`` in batches of ``batch_size``:
    batch ids ``001``, ``002``, ... (zero-padded so that instance names sort in order)."""
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    count = math.ceil(total / batch_size)
    if count > MAX_BATCHES:
        raise ValueError(
            f"{total} items in batches of {batch_size} make {count} batches, more than {MAX_BATCHES}"
        )
    width = max(3, len(str(count)))
    configs: list[CursorConfig] = []
    for i in range(count):
        begin = start + i * batch_size
        end = min(start + total, begin + batch_size)
        configs.append(
            {
                "batch_id": str(i + 1).zfill(width),
                "start_cursor": begin,
                "end_cursor": end,
                "batch_size": end - begin,
            }
        )
    return configs


class Batches:
    """A batchable step's result: ``return Batches.create(plan_batches(total, 500), rows=total)``
    or ``return Batches.none()``; extra keyword arguments are the rest of the result."""

    @staticmethod
    def create(
        cursor_configs: Sequence[CursorConfig], *, total_items: int | None = None, **result: Any
    ) -> dict[str, Any]:
        """One instance of the step's worker template per cursor config."""
        if not cursor_configs:
            raise ValueError("Batches.create needs at least one cursor config (or use Batches.none())")
        configs = [dict(c) for c in cursor_configs]
        total = total_items if total_items is not None else sum(c["batch_size"] for c in cursor_configs)
        return {
            **result,
            BATCH_OUTCOME_KEY: {
                "type": "create_batches",
                "cursor_configs": configs,
                "total_items": total,
                "worker_count": len(configs),
            },
        }

    @staticmethod
    def none(**result: Any) -> dict[str, Any]:
        """Nothing to process: one no-op instance runs, so the steps after the batch still run."""
        return {**result, BATCH_OUTCOME_KEY: {"type": "no_batches"}}


FailureStrategy = Literal["continue_on_failure", "fail_fast", "isolate"]


@dataclass(frozen=True)
class BatchInputs:
    """A batch worker instance's batch (its claim's ``initialization.batch``)."""

    batch_id: str
    start_cursor: Cursor
    end_cursor: Cursor
    batch_size: int
    cursor_field: str | None
    total_items: int | None
    batch_count: int
    no_op: bool
    failure_strategy: FailureStrategy

    @classmethod
    def from_initialization(cls, initialization: Mapping[str, Any]) -> BatchInputs | None:
        batch = initialization.get("batch")
        if not isinstance(batch, Mapping):
            return None
        return cls(
            batch_id=str(batch["batch_id"]),
            start_cursor=batch["start_cursor"],
            end_cursor=batch["end_cursor"],
            batch_size=int(batch["batch_size"]),
            cursor_field=batch.get("cursor_field"),
            total_items=batch.get("total_items"),
            batch_count=int(batch.get("batch_count", 1)),
            no_op=bool(batch.get("no_op", False)),
            failure_strategy=batch.get("failure_strategy", "continue_on_failure"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "start_cursor": self.start_cursor,
            "end_cursor": self.end_cursor,
            "batch_size": self.batch_size,
            "cursor_field": self.cursor_field,
            "total_items": self.total_items,
            "batch_count": self.batch_count,
            "no_op": self.no_op,
            "failure_strategy": self.failure_strategy,
        }


def batch_results(dependency_results: Mapping[str, Any], worker_template: str) -> list[tuple[str, bool, Any]]:
    """Every instance of ``worker_template`` among a convergence step's dependency results, by
    batch id: ``(batch_id, failed, result)``; ``failed`` for a ``continue_on_failure`` instance
    that failed for good (its result is ``{"batch_failed": true, "batch_id", "error"}``)."""
    prefix = f"{worker_template}_"
    out: list[tuple[str, bool, Any]] = []
    for name in sorted(n for n in dependency_results if n.startswith(prefix)):
        result = dependency_results[name]
        failed = isinstance(result, Mapping) and result.get("batch_failed") is True
        out.append((name[len(prefix) :], failed, result))
    return out
