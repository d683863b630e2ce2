"""Python worker and client for the tasker-ts orchestration server (worker protocol v1)."""

__version__ = "0.1.0"

from .client import TaskerClient, read_templates
from .context import CancellationSignal, StepContext
from .errors import (
    CheckpointRefusedError,
    PermanentError,
    RetryableError,
    StepCancelledError,
    StepTimeoutError,
    TaskerApiError,
    TaskerConnectionError,
)
from .handlers import Handler, HandlerRegistry, StepHandler, discover_handlers, handler
from .models import TERMINAL_TASK_STATES, CreatedTask, Step, StepError, Task, TaskList
from .outcomes import (
    BATCH_OUTCOME_KEY,
    DECISION_OUTCOME_KEY,
    Batches,
    BatchInputs,
    CursorConfig,
    Decision,
    batch_results,
    plan_batches,
)
from .sync import SyncTaskerClient, ThreadedWorker
from .worker import StartResult, TaskFinished, Worker, WorkerStatus

__all__ = [
    "BATCH_OUTCOME_KEY",
    "DECISION_OUTCOME_KEY",
    "TERMINAL_TASK_STATES",
    "BatchInputs",
    "Batches",
    "CancellationSignal",
    "CheckpointRefusedError",
    "CreatedTask",
    "CursorConfig",
    "Decision",
    "Handler",
    "HandlerRegistry",
    "PermanentError",
    "RetryableError",
    "StartResult",
    "Step",
    "StepCancelledError",
    "StepContext",
    "StepError",
    "StepHandler",
    "StepTimeoutError",
    "SyncTaskerClient",
    "Task",
    "TaskFinished",
    "TaskList",
    "TaskerApiError",
    "TaskerClient",
    "TaskerConnectionError",
    "ThreadedWorker",
    "Worker",
    "WorkerStatus",
    "__version__",
    "batch_results",
    "discover_handlers",
    "handler",
    "plan_batches",
    "read_templates",
]
