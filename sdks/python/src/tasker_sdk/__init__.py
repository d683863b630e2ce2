"""Python worker and client for the tasker-ts orchestration server (worker protocol v1)."""

__version__ = "0.1.0"

from .client import TaskerClient, read_templates
from .context import CancellationSignal, StepContext
from .errors import (
    PermanentError,
    RetryableError,
    StepCancelledError,
    StepTimeoutError,
    TaskerApiError,
    TaskerConnectionError,
)
from .handlers import Handler, HandlerRegistry, StepHandler, discover_handlers, handler
from .models import TERMINAL_TASK_STATES, CreatedTask, Step, StepError, Task, TaskList
from .sync import SyncTaskerClient, ThreadedWorker
from .worker import StartResult, TaskFinished, Worker, WorkerStatus

__all__ = [
    "TERMINAL_TASK_STATES",
    "CancellationSignal",
    "CreatedTask",
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
    "discover_handlers",
    "handler",
    "read_templates",
]
