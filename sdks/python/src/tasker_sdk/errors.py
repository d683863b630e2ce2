"""Errors a handler raises, and the error the client raises for an API answer that is not 2xx."""

from __future__ import annotations

from typing import Any


class HandlerError(Exception):
    """Base of the errors a handler raises on purpose; the code and metadata are stored on the step."""

    retryable: bool = True

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.metadata = metadata


class PermanentError(HandlerError):
    """The step cannot succeed by trying again (bad input, a declined card): it ends in ``error``."""

    retryable = False


class RetryableError(HandlerError):
    """A transient failure (timeout, 503): retried after backoff while attempts remain.

    ``retry_after`` (seconds) asks for that delay before the next attempt instead of the
    template's backoff.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        metadata: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, metadata=metadata)
        if retry_after is not None and retry_after < 0:
            raise ValueError(f"retry_after must be >= 0 seconds, got {retry_after}")
        self.retry_after = retry_after


class StepTimeoutError(Exception):
    """Raised inside ``ctx.raise_if_cancelled()`` once the attempt's deadline has passed."""


class StepCancelledError(Exception):
    """Raised inside ``ctx.raise_if_cancelled()`` once the server said the task was cancelled
    (or the claim was lost, or the worker is shutting down)."""


class CheckpointRefusedError(StepCancelledError):
    """The server did not save a checkpoint: the attempt no longer holds its step (its lease passed
    to another worker, or its outcome was reported), or its deadline passed. Stop: nothing more of
    this attempt counts."""


class TaskerApiError(Exception):
    """An answer from the orchestration server that was not 2xx, with the API's error envelope
    ``{"error": {"code", "message", "details"}}`` when it sent one."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        details: Any = None,
        *,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        where = f"{method} {path} answered {status}" if method else f"answered {status}"
        super().__init__(f"{where}: {message}" if message else where)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.method = method
        self.path = path
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """True when trying again later may succeed (5xx, 429)."""
        return self.status >= 500 or self.status == 429

    @property
    def reason(self) -> str | None:
        """``details.reason`` when the server gave one (e.g. ``claim_not_held``)."""
        if isinstance(self.details, dict):
            reason = self.details.get("reason")
            return reason if isinstance(reason, str) else None
        return None


class TaskerConnectionError(Exception):
    """The orchestration server could not be reached (or did not answer in time)."""
