"""Test support: a real orchestration server (``tasker-ctl serve``) on a fresh PostgreSQL
database, for pytest suites of the SDK and of apps built on it.

    with create_database() as db, TaskerServer.start(db.url) as server:
        ... server.url, server.worker_key, server.admin_key ...

Needs Node.js and this repository (found from the working directory upwards, or
``TASKER_REPO_ROOT``) and ``psycopg`` to create and drop the database (``TASKER_TEST_PG_URL``,
default ``postgres://postgres:postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

ADMIN_KEY = "python-tests-admin-key-0123456789"
WORKER_KEY = "python-tests-worker-key-0123456789"
DEFAULT_PG_URL = "postgres://postgres:postgres@127.0.0.1:5432/postgres"


def repo_root() -> Path:
    """The tasker-ts checkout (the folder holding packages/tasker/bin/tasker-ctl.js)."""
    configured = os.environ.get("TASKER_REPO_ROOT")
    candidates = [Path(configured)] if configured else [Path.cwd(), *Path.cwd().parents]
    candidates += [Path(__file__).resolve().parents[i] for i in range(len(Path(__file__).resolve().parents))]
    for path in candidates:
        if (path / "packages" / "tasker" / "bin" / "tasker-ctl.js").is_file():
            return path
    raise FileNotFoundError("cannot find the tasker-ts repository; set TASKER_REPO_ROOT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TestDatabase:
    url: str
    name: str
    admin_url: str

    __test__ = False  # not a pytest class

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextlib.contextmanager
def create_database(prefix: str = "tasker_py", admin_url: str | None = None) -> Iterator[TestDatabase]:
    """A uniquely named PostgreSQL database, dropped on exit."""
    import psycopg

    admin = admin_url or os.environ.get("TASKER_TEST_PG_URL") or DEFAULT_PG_URL
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin)
    db = TestDatabase(url=urlunsplit(parts._replace(path=f"/{name}")), name=name, admin_url=admin)
    try:
        yield db
    finally:
        with contextlib.suppress(Exception):
            db.drop()


@dataclass
class TaskerServer:
    """``tasker-ctl serve`` with API keys on: ``admin_key`` (every permission) and
    ``worker_key`` (``worker`` and ``templates:write``, what a worker process needs)."""

    url: str
    process: subprocess.Popen[bytes]
    admin_key: str = ADMIN_KEY
    worker_key: str = WORKER_KEY
    log: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        database_url: str,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> Iterator[TaskerServer]:
        root = repo_root()
        port = port or free_port()
        keys: list[dict[str, Any]] = [
            {"name": "python-tests-admin", "key": ADMIN_KEY, "permissions": ["*"]},
            {"name": "python-tests-worker", "key": WORKER_KEY, "permissions": ["worker", "templates:write"]},
        ]
        server_env = {
            **os.environ,
            "TASKER_TEMPLATE_PATH": "",
            "TASKER_AUTH_ENABLED": "true",
            "TASKER_API_KEYS": json.dumps(keys),
            "TASKER_LOG_LEVEL": os.environ.get("TASKER_LOG_LEVEL", "warn"),
            **(env or {}),
        }
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        command = [
            "node",
            str(root / "packages" / "tasker" / "bin" / "tasker-ctl.js"),
            "serve",
            "--database-url",
            database_url,
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ]
        process = subprocess.Popen(
            command, cwd=root, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        server = cls(url=f"http://127.0.0.1:{port}", process=process, log=log)
        try:
            server._wait_until_live(startup_timeout)
            yield server
        finally:
            server.stop()

    def _wait_until_live(self, timeout: float) -> None:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise RuntimeError(f"tasker-ctl serve exited ({self.process.returncode}):\n{self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health/live", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"tasker-ctl serve did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if self.log is not None:
            self.log.close()
            self.log = None
