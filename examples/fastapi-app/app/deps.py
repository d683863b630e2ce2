"""Everything the routes and step handlers need, set once by the app's lifespan.

Handlers are module-level functions discovered by the worker, so they reach the app through
``get_deps()`` rather than arguments (one app per process; tests start one app)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tasker_sdk import TaskerClient

from .config import Settings
from .jobs import JobQueue


@dataclass
class AppDeps:
    settings: Settings
    engine: AsyncEngine
    session: async_sessionmaker[AsyncSession]
    tasker: TaskerClient
    jobs: JobQueue
    #: For calls the handlers make (internal services, dataset URLs).
    http: httpx.AsyncClient


_current: AppDeps | None = None


def set_deps(deps: AppDeps | None) -> None:
    global _current
    _current = deps


def get_deps() -> AppDeps:
    if _current is None:
        raise RuntimeError("the app is not started: its lifespan sets the dependencies (app.main.create_app)")
    return _current
