"""A real orchestration server (tasker-ctl serve on a fresh PostgreSQL database) for the suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tasker_sdk import TaskerClient
from tasker_sdk.testing import TaskerServer, create_database

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(scope="session")
def server() -> Iterator[TaskerServer]:
    with create_database("tasker_sdk_py") as db, TaskerServer.start(db.url) as s:
        yield s


@pytest_asyncio.fixture(scope="session")
async def client(server: TaskerServer) -> AsyncIterator[TaskerClient]:
    async with TaskerClient(server.url, api_key=server.admin_key) as c:
        await c.register_templates([TEMPLATES])
        yield c
