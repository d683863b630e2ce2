"""The app: FastAPI routes for the four workflows, and a tasker worker running their step
handlers in the same process (started and stopped by the lifespan). The orchestration server is
`tasker-ctl serve` (ORCHESTRATION_URL, default http://127.0.0.1:8080).

    python -m app            # or: uvicorn app.main:app --port 3000
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import select, text
from tasker_sdk import HandlerRegistry, TaskerClient, Worker

from . import workflows
from .config import APP_ROOT, Settings, load_env_file
from .db import migrate, open_database
from .deps import AppDeps, get_deps, set_deps
from .email import register_email_delivery
from .http_errors import install_error_handlers
from .jobs import JobQueue
from .models import Product
from .rows import row_json, task_finished_listener
from .services import router as services_router

logger = logging.getLogger("app")


def handler_registry(namespaces: list[str]) -> HandlerRegistry:
    """The step handlers of the chosen namespaces, found in app.workflows.*.handlers."""
    return HandlerRegistry().discover("app.workflows").only(f"{n}." for n in namespaces)


def create_worker(settings: Settings) -> Worker:
    return Worker(
        url=settings.orchestration_url,
        api_key=settings.tasker_api_key,
        namespaces=settings.worker_namespaces,
        handlers=handler_registry(settings.worker_namespaces),
        templates=[settings.template_path],
        concurrency=settings.worker_concurrency,
        on_task_finished=task_finished_listener(get_deps),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await migrate(settings.app_database_url)
        engine, session = open_database(settings.app_database_url)
        tasker = TaskerClient(settings.orchestration_url, api_key=settings.tasker_api_key)
        deps = AppDeps(
            settings=settings,
            engine=engine,
            session=session,
            tasker=tasker,
            jobs=JobQueue(),
            http=httpx.AsyncClient(timeout=10.0),
        )
        set_deps(deps)
        register_email_delivery(deps)
        for _, _, module in workflows.WORKFLOWS:
            register = getattr(module, "register_jobs", None)
            if register is not None:
                register(deps)
        worker = create_worker(settings) if settings.worker_enabled else None
        app.state.deps = deps
        app.state.worker = worker
        try:
            if worker is not None:
                started = await worker.start()
                if not started.success:
                    raise RuntimeError(started.message)
                logger.info(started.message)
            yield
        finally:
            if worker is not None:
                await worker.stop()
            await deps.jobs.close()
            await deps.http.aclose()
            await tasker.aclose()
            await engine.dispose()
            set_deps(None)

    app = FastAPI(title="fastapi-app: four workflows on tasker-ts", lifespan=lifespan)
    install_error_handlers(app)

    @app.get("/health")
    async def health() -> JSONResponse:
        deps = get_deps()
        try:
            async with deps.session() as s:
                await s.execute(text("select 1"))
            app_database = True
        except Exception:
            app_database = False
        engine = await deps.tasker.health()
        worker: Worker | None = app.state.worker
        healthy = app_database and engine
        body: dict[str, Any] = {
            "status": "ok" if healthy else "degraded",
            "app_database": app_database,
            "engine": {"reachable": engine, "url": settings.orchestration_url},
            "jobs": deps.jobs.backend,
            "worker": None if worker is None else vars(worker.status()),
            "workflows": [{"name": name, "namespaces": ns} for name, ns, _ in workflows.WORKFLOWS],
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/products")
    async def products() -> JSONResponse:
        async with get_deps().session() as s:
            catalog = (await s.execute(select(Product).order_by(Product.sku))).scalars().all()
        return JSONResponse({"products": [row_json(p) for p in catalog]})

    for router in workflows.routers():
        app.include_router(router)
    # This app also plays the downstream services of the microservices workflow.
    app.include_router(services_router, prefix="/internal")
    return app


def main() -> None:
    import uvicorn

    load_env_file(APP_ROOT / ".env")
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )
