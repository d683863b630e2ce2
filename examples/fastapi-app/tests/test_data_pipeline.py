"""Workflow 2 end to end through HTTP: POST /analytics/jobs -> 8 steps with a parallel fan-out ->
report on the job, outbox message, archive row."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from app.models import AnalyticsDataset, AnalyticsReport, EmailOutbox, ReportArchive
from app.workflows.data_pipeline.dataset import generate_dataset

from .conftest import RunningApp
from .helpers import get_step, get_task_steps, wait_for_row_status, wait_for_task_completion

STEPS = [
    "ingest_data",
    "validate_schema",
    "enrich_metadata",
    "detect_anomalies",
    "aggregate_results",
    "generate_report",
    "notify_stakeholders",
    "archive_results",
]
PARALLEL = ["validate_schema", "enrich_metadata", "detect_anomalies"]
FAST = {"interval": 0.2}


def ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@pytest_asyncio.fixture(scope="module")
async def flaky_source() -> AsyncIterator[str]:
    """A dataset server that answers 503 to its first request, then 200 rows of JSON."""
    hits = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal hits
        await reader.readuntil(b"\r\n\r\n")
        hits += 1
        if hits == 1:
            body, status, kind = b"warming up", "503 Service Unavailable", "text/plain"
        else:
            body, status, kind = json.dumps(generate_dataset(99, 200)).encode(), "200 OK", "application/json"
        writer.write(
            f"HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/sales.json"
    server.close()


async def test_runs_the_8_steps_with_the_three_analyses_in_parallel_and_stores_the_report(
    app: RunningApp,
) -> None:
    created = await app.http.post("/analytics/jobs", json={"source": "q1-sales"})
    assert created.status_code == 201
    body = created.json()
    assert (body["source"], body["dataset_url"], body["status"]) == ("q1-sales", None, "processing")
    job_id = body["id"]

    task = await wait_for_task_completion(app.orch, body["task_uuid"], **FAST)
    assert task["status"] == "complete"
    assert task["completion_percentage"] == 100
    steps = await get_task_steps(app.orch, task["task_uuid"])
    assert sorted(s["name"] for s in steps) == sorted(STEPS)
    assert all(s["current_state"] == "complete" for s in steps)
    results: dict[str, Any] = {
        name: (await get_step(app.orch, task["task_uuid"], name))["results"] for name in STEPS
    }
    assert results["ingest_data"]["row_count"] == 1000
    assert results["ingest_data"]["columns"] == ["date", "region", "product", "quantity", "amount"]
    v = results["validate_schema"]
    assert v["total_rows"] == 1000 and v["invalid_rows"] > 0 and v["valid_rows"] + v["invalid_rows"] == 1000
    assert results["enrich_metadata"]["column_stats"]["amount"]["type"] == "number"
    assert results["enrich_metadata"]["column_stats"]["amount"]["nulls"] == 0
    assert results["enrich_metadata"]["column_stats"]["region"]["distinct"] >= 4
    a = results["detect_anomalies"]
    assert a["anomaly_count"] > 0 and a["anomalies"][0]["value"] > a["upper_bound"]
    assert results["aggregate_results"]["totals"]["rows"] == v["valid_rows"]
    assert sorted(results["aggregate_results"]["by_region"]) == ["east", "north", "south", "west"]
    assert results["generate_report"]["title"] == f"Sales analytics: q1-sales (job #{job_id})"
    assert results["notify_stakeholders"]["recipients"] == ["analytics-team@example.com"]
    assert len(results["archive_results"]["checksum"]) == 64

    # The parallel branches overlapped: each started before any of them finished.
    latest_start = max(ts(results[s]["started_at"]) for s in PARALLEL)
    earliest_finish = min(ts(results[s]["finished_at"]) for s in PARALLEL)
    assert latest_start < earliest_finish
    assert next(s for s in steps if s["name"] == "aggregate_results")["total_parents"] == 3

    row = await wait_for_row_status(app.http, f"/analytics/jobs/{job_id}", ["completed"])
    assert row["result"]["report"]["job_id"] == job_id
    assert row["result"]["report"]["totals"] == results["aggregate_results"]["totals"]
    assert f"# Sales analytics: q1-sales (job #{job_id})" in row["result"]["markdown"]
    assert row["task"]["total_steps"] == 8 and row["task"]["completed_steps"] == 8

    await app.deps.jobs.drain()
    async with app.deps.session() as s:
        dataset = await s.get(AnalyticsDataset, job_id)
        reports = (
            (await s.execute(select(AnalyticsReport).where(AnalyticsReport.job_id == job_id))).scalars().all()
        )
        archive = (await s.execute(select(ReportArchive).where(ReportArchive.job_id == job_id))).scalar_one()
        mail = (
            await s.execute(select(EmailOutbox).where(EmailOutbox.dedupe_key == f"analytics:{job_id}:report"))
        ).scalar_one()
    assert dataset is not None and dataset.row_count == 1000
    assert dataset.rows == generate_dataset(job_id)
    assert len(reports) == 1
    assert archive.checksum == results["archive_results"]["checksum"]
    assert mail.status == "sent"


async def test_reads_a_csv_file_and_retries_an_http_source_that_answers_503_first(
    app: RunningApp, dataset_dir: Path, flaky_source: str
) -> None:
    csv = dataset_dir / "march.csv"
    csv.write_text(
        "date,region,product,quantity,amount\n2024-03-01,north,WIDGET-001,2,59.98\n"
        "2024-03-02,west,GIZMO-003,1,129.00\n"
    )
    from_file = await app.http.post("/analytics/jobs", json={"source": "march", "dataset_url": csv.as_uri()})
    assert from_file.status_code == 201
    file_task = await wait_for_task_completion(app.orch, from_file.json()["task_uuid"], **FAST)
    assert file_task["status"] == "complete"
    aggregate = await get_step(app.orch, file_task["task_uuid"], "aggregate_results")
    assert aggregate["results"]["totals"] == {"rows": 2, "quantity": 3, "amount": 188.98}

    from_http = await app.http.post("/analytics/jobs", json={"source": "remote", "dataset_url": flaky_source})
    http_task = await wait_for_task_completion(app.orch, from_http.json()["task_uuid"], **FAST)
    assert http_task["status"] == "complete"
    ingest = await get_step(app.orch, http_task["task_uuid"], "ingest_data")
    assert ingest["attempts"] == 2
    assert ingest["results"]["row_count"] == 200


async def test_fails_the_job_when_the_source_is_unreadable_or_mostly_invalid(
    app: RunningApp, dataset_dir: Path
) -> None:
    missing = await app.http.post(
        "/analytics/jobs", json={"source": "missing", "dataset_url": (dataset_dir / "nope.csv").as_uri()}
    )
    missing_task = await wait_for_task_completion(app.orch, missing.json()["task_uuid"], **FAST)
    assert missing_task["status"] == "error"
    ingest = await get_step(app.orch, missing_task["task_uuid"], "ingest_data")
    assert ingest["attempts"] == 1
    assert ingest["error"]["code"] == "dataset_unreadable"
    row = await wait_for_row_status(app.http, f"/analytics/jobs/{missing.json()['id']}", ["failed"])
    assert "nope.csv" in row["error"]

    junk = dataset_dir / "junk.csv"
    junk.write_text("date,region\nyesterday,north\ntomorrow,south\n")
    invalid = await app.http.post("/analytics/jobs", json={"source": "junk", "dataset_url": junk.as_uri()})
    invalid_task = await wait_for_task_completion(app.orch, invalid.json()["task_uuid"], **FAST)
    assert invalid_task["status"] == "error"
    validate = await get_step(app.orch, invalid_task["task_uuid"], "validate_schema")
    assert validate["error"]["code"] == "dataset_invalid"
    assert "missing columns: product, quantity, amount" in validate["error"]["message"]
    await wait_for_row_status(app.http, f"/analytics/jobs/{invalid.json()['id']}", ["failed"])


async def test_answers_400_for_bad_bodies_and_ids_and_404_for_unknown_jobs(app: RunningApp) -> None:
    empty = await app.http.post("/analytics/jobs", json={})
    assert empty.status_code == 400
    assert empty.json()["issues"][0]["path"] == "source"
    scheme = await app.http.post(
        "/analytics/jobs", json={"source": "x", "dataset_url": "ftp://example.com/a.csv"}
    )
    assert scheme.status_code == 400
    assert scheme.json()["issues"][0]["path"] == "dataset_url"
    outside = await app.http.post(
        "/analytics/jobs", json={"source": "x", "dataset_url": "file:///etc/passwd"}
    )
    assert outside.status_code == 400
    assert "must be inside" in outside.json()["issues"][0]["message"]
    assert (await app.http.get("/analytics/jobs/0")).status_code == 400
    missing = await app.http.get("/analytics/jobs/424242")
    assert missing.status_code == 404
    assert missing.json()["error"] == "analytics job 424242 not found"
