"""One orchestration server (tasker-ctl serve on a fresh engine database), one app database
(created for the run, migrated by the app) and the app itself on a real port, for the session.
The app's worker serves every namespace but sales_py, which a second worker (`sales_worker`,
"Team A's process") serves, so the isolation test can stop it."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from tasker_sdk import Worker
from tasker_sdk.testing import TaskerServer, TestDatabase, create_database, free_port

from app.config import NAMESPACES, Settings
from app.deps import AppDeps, get_deps
from app.main import create_app, handler_registry
from app.rows import task_finished_listener

from .helpers import Orchestration

APP_NAMESPACES = [n for n in NAMESPACES if n != "sales_py"]


@pytest.fixture(scope="session")
def engine_server() -> Iterator[TaskerServer]:
    with create_database("fastapi_app_engine") as db, TaskerServer.start(db.url) as server:
        yield server


@pytest.fixture(scope="session")
def app_database() -> Iterator[TestDatabase]:
    with create_database("example_fastapi_test") as db:
        yield db


@pytest.fixture(scope="session")
def dataset_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fastapi-app-datasets-") as d:
        yield Path(d).resolve()


@dataclass
class RunningApp:
    url: str
    settings: Settings
    orch: Orchestration
    http: httpx.AsyncClient

    @property
    def deps(self) -> AppDeps:
        return get_deps()


def sales_worker_for(settings: Settings) -> Worker:
    return Worker(
        url=settings.orchestration_url,
        api_key=settings.tasker_api_key,
        namespaces=["sales_py"],
        handlers=handler_registry(["sales_py"]),
        concurrency=4,
        claim_wait_ms=2000,
        on_task_finished=task_finished_listener(get_deps),
    )


@pytest_asyncio.fixture(scope="session")
async def app(
    engine_server: TaskerServer, app_database: TestDatabase, dataset_dir: Path
) -> AsyncIterator[RunningApp]:
    port = free_port()
    settings = Settings(
        port=port,
        host="127.0.0.1",
        orchestration_url=engine_server.url,
        tasker_api_key=engine_server.admin_key,
        app_database_url=app_database.url,
        worker_namespaces=APP_NAMESPACES,
        dataset_dir=dataset_dir,
        log_level="warning",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
            raise RuntimeError("the app stopped while starting")
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield RunningApp(url, settings, Orchestration(engine_server.url, engine_server.admin_key), http)
    server.should_exit = True
    await serving


@pytest_asyncio.fixture(scope="session")
async def sales_worker(app: RunningApp) -> AsyncIterator[Worker]:
    """Team A's worker, in its own process in production; here a second Worker in this one."""
    worker = sales_worker_for(app.settings)
    async with worker.lifespan():
        yield worker
