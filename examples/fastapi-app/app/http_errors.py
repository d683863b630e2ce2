"""JSON for every error the app answers, in the contract's shapes:
400 ``{"error": "invalid request body", "issues": [{"path", "message"}]}``, 404 ``{"error"}``,
500 ``{"error": "internal error; ..."}``; never an HTML page."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("app.http")

ROW_ID = re.compile(r"^[1-9][0-9]{0,9}$")
MAX_SERIAL = 2_147_483_647


def parse_row_id(raw: str) -> int | None:
    """Row ids are positive 32-bit integers; anything else is malformed (400, not 404)."""
    if not ROW_ID.match(raw):
        return None
    value = int(raw)
    return value if value <= MAX_SERIAL else None


def malformed_id(what: str, raw: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": f'malformed {what} id "{raw}": use the positive integer id returned when it was created',
            "issues": [{"path": "id", "message": "must be a positive integer"}],
        },
        status_code=400,
    )


def not_found(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=404)


def issues_of(errors: list[Any]) -> list[dict[str, str]]:
    issues = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        if loc and loc[0] == "body":
            loc = loc[1:]
        message = str(e.get("msg", "is invalid"))
        if e.get("type") == "extra_forbidden":
            message = f"unknown field {loc[-1] if loc else ''}: not part of the request".strip()
        issues.append({"path": ".".join(loc), "message": message.removeprefix("Value error, ")})
    return issues


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            detail = next(e for e in errors if e.get("type") == "json_invalid")
            message = f"the body is not valid JSON: {detail.get('ctx', {}).get('error', 'malformed')}"
            return JSONResponse(
                {"error": message, "issues": [{"path": "", "message": message}]}, status_code=400
            )
        return JSONResponse({"error": "invalid request body", "issues": issues_of(errors)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code in (404, 405):
            return JSONResponse(
                {
                    "error": f"no route for {request.method} {request.url.path}; see GET /health and the README for "
                    "the routes"
                },
                status_code=404,
            )
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; the server log has the details"}, status_code=500)
