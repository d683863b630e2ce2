"""Typed shapes of what the orchestration server sends: tasks and steps (the REST API) and the
worker protocol's messages (docs/worker-protocol.md). Unknown fields are ignored, as the
protocol's versioning rules ask (a server may add response fields within a version)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TERMINAL_TASK_STATES = frozenset({"complete", "error", "cancelled", "resolved_manually"})


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- the REST API: tasks and steps ---------------------------------------------------------------


class StepError(_Wire):
    message: str
    code: str | None = None
    retryable: bool = True
    kind: str | None = None
    metadata: dict[str, Any] | None = None


class Step(_Wire):
    workflow_step_uuid: str
    task_uuid: str
    name: str
    current_state: str
    attempts: int
    max_attempts: int
    dependencies_satisfied: bool | None = None
    retry_eligible: bool | None = None
    ready_for_execution: bool | None = None
    total_parents: int | None = None
    completed_parents: int | None = None
    last_failure_at: str | None = None
    next_retry_at: str | None = None
    last_attempted_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None
    results: Any = None
    error: StepError | None = None


class Task(_Wire):
    task_uuid: str
    name: str
    namespace: str
    version: str
    status: str
    created_at: str
    updated_at: str
    completed_at: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    initiator: str | None = None
    source_system: str | None = None
    reason: str | None = None
    tags: list[str] = Field(default_factory=list)
    priority: int = 0
    correlation_id: str
    parent_correlation_id: str | None = None
    idempotency_key: str | None = None
    total_steps: int = 0
    pending_steps: int = 0
    in_progress_steps: int = 0
    completed_steps: int = 0
    failed_steps: int = 0
    ready_steps: int = 0
    completion_percentage: float = 0
    execution_status: str | None = None
    recommended_action: str | None = None
    health_status: str | None = None
    error: str | None = None
    steps: list[Step] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        """True once the task is in a terminal state."""
        return self.status in TERMINAL_TASK_STATES

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"task {self.task_uuid} has no step {name!r}; it has {[s.name for s in self.steps]}")


class Pagination(_Wire):
    total: int
    limit: int
    offset: int
    has_more: bool


class TaskList(_Wire):
    tasks: list[Task]
    pagination: Pagination


class CreatedTask(_Wire):
    """The answer to a create: the task, and whether it was new (201) or an idempotent repeat (200)."""

    task: Task
    created: bool


# --- the worker protocol -----------------------------------------------------------------------


class RegisteredWorker(_Wire):
    worker_id: str
    protocol_version: str
    lease_seconds: int
    heartbeat_interval_ms: int
    max_claim_wait_ms: int
    max_steps_per_claim: int
    max_result_bytes: int


class ClaimedStep(_Wire):
    claim_token: str
    task_uuid: str
    step_uuid: str
    step_name: str
    task_name: str
    namespace: str
    version: str
    handler_callable: str
    correlation_id: str
    attempt: int
    max_attempts: int
    timeout_seconds: int
    deadline: str
    lease_expires_at: str
    context: dict[str, Any] = Field(default_factory=dict)
    dependency_results: dict[str, Any] = Field(default_factory=dict)
    initialization: dict[str, Any] = Field(default_factory=dict)
    checkpoint: dict[str, Any] | None = None
    batch_config: dict[str, Any] | None = None


class CheckpointResponse(_Wire):
    claim_token: str
    status: Literal["held", "cancelled"]
    checkpointed_at: str | None = None
    lease_expires_at: str | None = None


class ClaimResponse(_Wire):
    steps: list[ClaimedStep]


class ReportResponse(_Wire):
    step_uuid: str
    outcome: Literal["completed", "retry_scheduled", "failed", "ignored"]
    task_status: str | None = None
    next: ClaimedStep | None = None


class HeartbeatClaim(_Wire):
    claim_token: str
    status: Literal["held", "cancelled", "lost"]
    lease_expires_at: str | None = None


class HeartbeatResponse(_Wire):
    claims: list[HeartbeatClaim]
    worker_status: str


class WorkerInfo(_Wire):
    worker_id: str
    namespaces: list[str]
    handlers: list[str]
    concurrency: int
    lease_seconds: int
    status: str
    sdk: dict[str, str] | None = None
    last_heartbeat_at: str


class WorkerList(_Wire):
    workers: list[WorkerInfo]
