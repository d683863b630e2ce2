"""One keep-alive HTTP connection pool to the orchestration server, shared by the client and the
worker: JSON in, JSON out, the API's error envelope turned into :class:`TaskerApiError`."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .errors import TaskerApiError, TaskerConnectionError

DEFAULT_TIMEOUT = 10.0


class ApiTransport:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 100,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"the orchestration server's URL must start with http:// or https://: {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        headers = {"accept": "application/json", "user-agent": "tasker-sdk-python"}
        if api_key:
            headers["x-api-key"] = api_key
        self._owned = client is None
        self._client = client or httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        content: bytes | None = None,
    ) -> tuple[int, Any]:
        """Sends one request (``body`` as JSON, or ``content`` already encoded); returns
        (status, parsed body) for a 2xx, raises otherwise."""
        headers: dict[str, str] = {}
        if body is not None:
            content = encode_json(body)
        if content is not None:
            headers["content-type"] = "application/json"
        try:
            response = await self._client.request(
                method,
                path,
                content=content,
                headers=headers,
                params={k: v for k, v in (params or {}).items() if v is not None},
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as err:
            raise TaskerConnectionError(f"{method} {self.base_url}{path} failed: {err!r}") from err
        text = response.text
        if response.is_success:
            return response.status_code, json.loads(text) if text else None
        raise _api_error(method, path, response.status_code, text, response.headers.get("retry-after"))

    async def aclose(self) -> None:
        if self._owned:
            await self._client.aclose()


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON; NaN and infinities are refused (JSON has no such numbers)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _api_error(method: str, path: str, status: int, text: str, retry_after: str | None) -> TaskerApiError:
    code: str | None = None
    message = ""
    details: Any = None
    try:
        envelope = json.loads(text)
        error = envelope.get("error") if isinstance(envelope, dict) else None
        if isinstance(error, dict):
            code = error.get("code")
            message = str(error.get("message", ""))
            details = error.get("details")
        elif isinstance(error, str):
            message = error
    except ValueError:
        message = text[:500]
    seconds: float | None = None
    if retry_after:
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = None
    return TaskerApiError(status, code, message, details, method=method, path=path, retry_after=seconds)
