"""The app's shared behaviour through HTTP: health, catalog, JSON errors, templates in step with
the hono-app's, and what happens when the engine refuses a task or cannot be reached (the row is
failed and the answer 502/503, never a silent 201)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tasker_sdk import TaskerApiError, TaskerConnectionError

from app.config import APP_ROOT, Settings
from app.main import create_app
from app.models import Order
from app.rows import classify_engine_error

from .conftest import RunningApp
from .helpers import wait_for_row_status

HONO_TEMPLATES = APP_ROOT.parent / "hono-app" / "templates"
ORDER = {
    "customer_email": "app-tests@example.com",
    "items": [{"sku": "WIDGET-001", "quantity": 1}],
    "payment_info": {"method": "card", "token": "tok_visa"},
}


async def test_health_reports_the_app_database_the_engine_and_the_worker(app: RunningApp) -> None:
    res = await app.http.get("/health")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok" and body["app_database"] is True and body["engine"]["reachable"] is True
    assert body["worker"]["running"] is True
    assert (
        len(body["worker"]["handlers"]) == 22
    )  # every namespace but sales_py (Team A's worker runs those 5)
    assert [w["name"] for w in body["workflows"]] == [
        "ecommerce",
        "data-pipeline",
        "microservices",
        "team-scaling",
    ]


async def test_lists_the_seeded_catalog(app: RunningApp) -> None:
    res = await app.http.get("/products")
    assert res.status_code == 200
    products = res.json()["products"]
    assert [p["sku"] for p in products] == [
        "GADGET-002",
        "GIZMO-003",
        "RESTRICTED-005",
        "SCARCE-004",
        "WIDGET-001",
    ]
    widget = next(p for p in products if p["sku"] == "WIDGET-001")
    assert (widget["name"], widget["price"], widget["weight_kg"], widget["restricted"]) == (
        "Widget",
        29.99,
        0.5,
        False,
    )


async def test_unknown_routes_answer_json_404(app: RunningApp) -> None:
    res = await app.http.delete("/products")
    assert res.status_code == 404
    assert "no route for DELETE /products" in res.json()["error"]
    assert res.headers["content-type"].startswith("application/json")


async def test_every_handler_is_registered_once_for_the_27_steps() -> None:
    from app.config import NAMESPACES
    from app.main import handler_registry

    registry = handler_registry(list(NAMESPACES))
    callables = registry.callables()
    assert len(callables) == 27
    template_callables = sorted(
        step["handler"]["callable"]
        for path in (APP_ROOT / "templates").rglob("*.yaml")
        for step in yaml.safe_load(path.read_text())["steps"]
    )
    assert template_callables == callables


def _shape(path: Path) -> dict[str, Any]:
    t = yaml.safe_load(path.read_text())
    return {
        "name": t["name"],
        "version": str(t["version"]),
        "steps": [
            {k: s.get(k) for k in ("name", "dependencies", "retry", "timeout_seconds")}
            | {"step": s["handler"]["callable"].split(".", 1)[1], "init": s["handler"].get("initialization")}
            for s in t["steps"]
        ],
    }


@pytest.mark.parametrize("namespace", ["ecommerce", "data_pipeline", "microservices", "sales", "compliance"])
def test_templates_stay_in_step_with_the_hono_apps(namespace: str) -> None:
    ours = sorted((APP_ROOT / "templates" / f"{namespace}_py").glob("*.yaml"))
    theirs = sorted((HONO_TEMPLATES / namespace).glob("*.yaml"))
    assert [p.name for p in ours] == [p.name for p in theirs]
    for mine, reference in zip(ours, theirs, strict=True):
        assert yaml.safe_load(mine.read_text())["namespace_name"] == f"{namespace}_py"
        assert _shape(mine) == _shape(reference)


def test_engine_errors_become_502_or_503() -> None:
    refused = classify_engine_error(
        TaskerApiError(404, "NOT_FOUND", "no template", method="POST", path="/v1/tasks")
    )
    assert (refused.status, refused.transient) == (502, False)
    assert "rejected the task (NOT_FOUND)" in refused.message
    busy = classify_engine_error(TaskerApiError(503, "BACKPRESSURE", "busy", retry_after=7))
    assert (busy.status, busy.retry_after) == (503, 7)
    away = classify_engine_error(TaskerConnectionError("refused"))
    assert (away.status, away.transient) == (503, True)


async def test_an_unreachable_engine_fails_the_order_with_503_and_retry_after(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasker_sdk import TaskerClient

    deps = app.deps
    monkeypatch.setattr(deps, "tasker", TaskerClient("http://127.0.0.1:1"))
    res = await app.http.post("/orders", json=ORDER)
    assert res.status_code == 503
    assert int(res.headers["retry-after"]) > 0
    assert "could not be reached" in res.json()["error"]
    assert res.json()["status"] == "failed"
    async with deps.session() as s:
        row = await s.get(Order, res.json()["id"])
    assert row is not None and row.status == "failed" and row.task_uuid is None


async def test_an_engine_without_the_template_refuses_with_502(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.workflows.ecommerce import routes

    original = routes.order_task_request
    monkeypatch.setattr(
        routes, "order_task_request", lambda row, pay: {**original(row, pay), "name": "no_such_flow"}
    )
    res = await app.http.post("/orders", json=ORDER)
    assert res.status_code == 502
    assert "the workflow engine rejected the task" in res.json()["error"]
    shown = (await app.http.get(f"/orders/{res.json()['id']}")).json()
    assert (shown["status"], shown["task"]) == ("failed", None)
    queued = await app.http.post("/orders/async", json=ORDER)
    assert queued.status_code == 202
    row = await wait_for_row_status(app.http, f"/orders/{queued.json()['id']}", ["failed"])
    assert "rejected the task" in row["error"]


def test_the_app_can_be_created_without_starting() -> None:
    assert create_app(Settings()).title.startswith("fastapi-app")
