"""The decision and batch helpers write the outcomes the server reads (docs/worker-protocol.md)."""

from __future__ import annotations

import pytest

from tasker_sdk import Batches, BatchInputs, Decision, batch_results, plan_batches


def test_decisions_put_their_outcome_beside_the_result() -> None:
    assert Decision.create_steps(["manager_approval"], amount=5000) == {
        "amount": 5000,
        "decision_point_outcome": {"type": "create_steps", "step_names": ["manager_approval"]},
    }
    assert Decision.no_branches() == {"decision_point_outcome": {"type": "no_branches"}}
    with pytest.raises(ValueError):
        Decision.create_steps([])
    with pytest.raises(ValueError):
        Decision.create_steps("manager_approval")


def test_plan_batches_covers_every_item_once() -> None:
    plan = plan_batches(5, 2)
    assert [c["batch_id"] for c in plan] == ["001", "002", "003"]
    assert [(c["start_cursor"], c["end_cursor"], c["batch_size"]) for c in plan] == [
        (0, 2, 2),
        (2, 4, 2),
        (4, 5, 1),
    ]
    assert plan_batches(0, 10) == []
    outcome = Batches.create(plan, rows=5)
    assert outcome["rows"] == 5
    assert outcome["batch_processing_outcome"]["total_items"] == 5
    assert outcome["batch_processing_outcome"]["worker_count"] == 3
    assert Batches.none() == {"batch_processing_outcome": {"type": "no_batches"}}
    with pytest.raises(ValueError):
        plan_batches(10, 0)


def test_batch_inputs_and_results_are_read_back() -> None:
    batch = BatchInputs.from_initialization(
        {"batch": {"batch_id": "002", "start_cursor": 2, "end_cursor": 4, "batch_size": 2, "no_op": False}}
    )
    assert batch is not None
    assert (batch.batch_id, batch.start_cursor, batch.end_cursor, batch.no_op) == ("002", 2, 4, False)
    assert BatchInputs.from_initialization({}) is None
    results = batch_results(
        {"load_002": {"n": 2}, "load_001": {"batch_failed": True, "batch_id": "001"}, "split": {}}, "load"
    )
    assert [(i, failed) for i, failed, _ in results] == [("001", True), ("002", False)]
