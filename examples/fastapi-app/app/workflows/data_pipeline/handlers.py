"""The eight steps of analytics_pipeline. ingest_data stores the rows in analytics_datasets (one
row per job) so the parallel steps read them from the database instead of passing 1,000 rows
through step results; each analysis returns when it started and finished, so anyone can see
that the branches overlapped."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from tasker_sdk import PermanentError, StepContext, handler

from ...deps import get_deps
from ...email import enqueue_email
from ...models import AnalyticsDataset, AnalyticsJob, AnalyticsReport, ReportArchive
from ...rows import to_json
from . import analysis
from .dataset import checksum_of, load_dataset

DEFAULT_RECIPIENTS = ["analytics-team@example.com"]


class AnalyticsTaskContext(BaseModel):
    job_id: Annotated[int, Field(gt=0)]
    source: str
    dataset_url: str | None = None


class _Timed(BaseModel):
    model_config = ConfigDict(extra="allow")
    started_at: str
    finished_at: str


class IngestResult(BaseModel):
    row_count: int
    columns: list[str]
    origin: str


class ValidationResult(_Timed):
    total_rows: int
    valid_rows: int
    invalid_rows: int
    invalid_share: float


class EnrichResult(_Timed):
    column_stats: dict[str, Any]


class AnomalyResult(_Timed):
    field: str
    sigmas: float
    anomaly_count: int
    lower_bound: float
    upper_bound: float
    anomalies: list[dict[str, Any]]


class Totals(BaseModel):
    rows: int
    quantity: int
    amount: float


class AggregateResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    totals: Totals
    by_region: dict[str, Totals]
    by_product: dict[str, Totals]


class AggregateDeps(BaseModel):
    validate_schema: ValidationResult
    enrich_metadata: EnrichResult
    detect_anomalies: AnomalyResult


class ReportDeps(AggregateDeps):
    ingest_data: IngestResult
    aggregate_results: AggregateResult


class ReportResult(BaseModel):
    report_id: int
    title: str
    highlights: list[str]


class NotifyDeps(BaseModel):
    generate_report: ReportResult


async def load_stored_dataset(job_id: int) -> AnalyticsDataset:
    async with get_deps().session() as s:
        dataset = await s.get(AnalyticsDataset, job_id)
    if dataset is None:
        raise PermanentError(
            f"no dataset stored for analytics job {job_id}; ingest_data must run first",
            code="dataset_missing",
        )
    return dataset


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def timed(ctx: StepContext[Any, Any], work: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """The work's result with its wall-clock bounds. ``simulated_work_ms`` (template
    initialization) stands in for the heavier analysis a real dataset needs; 0 turns it off."""
    started = time.time()
    result = await work()
    floor = ctx.initialization.get("simulated_work_ms")
    remaining = (floor / 1000 if isinstance(floor, int | float) else 0) - (time.time() - started)
    if remaining > 0:
        await ctx.sleep(remaining)
    finished = time.time()
    return {
        **result,
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_ms": round((finished - started) * 1000),
    }


@handler("data_pipeline_py.ingest_data", inputs=AnalyticsTaskContext)
async def ingest_data(ctx: StepContext[AnalyticsTaskContext, Any]) -> dict[str, Any]:
    """Loads the rows (file, URL or generated) and stores (or, on a retry, replaces) them."""
    deps = get_deps()
    timeout = ctx.initialization.get("fetch_timeout_ms")
    dataset = await load_dataset(
        ctx.input.job_id,
        ctx.input.dataset_url,
        deps.settings.dataset_dir,
        timeout / 1000 if isinstance(timeout, int | float) else 10.0,
        deps.http,
    )
    values = {
        "job_id": ctx.input.job_id,
        "origin": dataset.origin,
        "columns": dataset.columns,
        "rows": dataset.rows,
        "row_count": len(dataset.rows),
        "checksum": checksum_of(dataset.rows),
    }
    async with deps.session.begin() as s:
        await s.execute(
            insert(AnalyticsDataset)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[AnalyticsDataset.job_id], set_={**values, "loaded_at": datetime.now(UTC)}
            )
        )
    return {
        "row_count": values["row_count"],
        "columns": dataset.columns,
        "origin": dataset.origin,
        "checksum": values["checksum"],
        "stored_in": "analytics_datasets",
    }


@handler("data_pipeline_py.validate_schema", inputs=AnalyticsTaskContext)
async def validate_schema(ctx: StepContext[AnalyticsTaskContext, Any]) -> dict[str, Any]:
    """Required columns and types; fails the job when most rows are invalid."""

    async def work() -> dict[str, Any]:
        dataset = await load_stored_dataset(ctx.input.job_id)
        validation = analysis.validate_dataset(dataset.rows, dataset.columns)
        if validation["invalid_share"] > analysis.MAX_INVALID_SHARE:
            missing = validation["missing_columns"]
            raise PermanentError(
                f"{validation['invalid_rows']} of {validation['total_rows']} rows are invalid (more than half)"
                + (f"; missing columns: {', '.join(missing)}" if missing else "")
                + "; check the dataset's columns: date, region, product, quantity, amount",
                code="dataset_invalid",
                metadata=validation,
            )
        return validation

    return await timed(ctx, work)


@handler("data_pipeline_py.enrich_metadata", inputs=AnalyticsTaskContext)
async def enrich_metadata(ctx: StepContext[AnalyticsTaskContext, Any]) -> dict[str, Any]:
    """Per-column statistics (min, max, mean, nulls, distinct)."""

    async def work() -> dict[str, Any]:
        dataset = await load_stored_dataset(ctx.input.job_id)
        return {
            "row_count": dataset.row_count,
            "column_stats": analysis.profile_columns(dataset.rows, dataset.columns),
        }

    return await timed(ctx, work)


@handler("data_pipeline_py.detect_anomalies", inputs=AnalyticsTaskContext)
async def detect_anomalies(ctx: StepContext[AnalyticsTaskContext, Any]) -> dict[str, Any]:
    """Rows whose amount lies more than `sigmas` standard deviations from the mean."""

    async def work() -> dict[str, Any]:
        dataset = await load_stored_dataset(ctx.input.job_id)
        sigmas = ctx.initialization.get("sigmas")
        return analysis.detect_anomalies(
            dataset.rows, "amount", sigmas if isinstance(sigmas, int | float) else 3
        )

    return await timed(ctx, work)


@handler("data_pipeline_py.aggregate_results", inputs=AnalyticsTaskContext, depends=AggregateDeps)
async def aggregate_results(ctx: StepContext[AnalyticsTaskContext, AggregateDeps]) -> dict[str, Any]:
    """The fan-in: totals by region and product from the valid rows, with the branches' findings."""
    dataset = await load_stored_dataset(ctx.input.job_id)
    return {
        **analysis.aggregate(analysis.valid_rows(dataset.rows)),
        "valid_rows": ctx.deps.validate_schema.valid_rows,
        "invalid_rows": ctx.deps.validate_schema.invalid_rows,
        "anomaly_count": ctx.deps.detect_anomalies.anomaly_count,
        "columns_profiled": len(ctx.deps.enrich_metadata.column_stats),
    }


@handler("data_pipeline_py.generate_report", inputs=AnalyticsTaskContext, depends=ReportDeps)
async def generate_report(ctx: StepContext[AnalyticsTaskContext, ReportDeps]) -> dict[str, Any]:
    """The report (JSON + Markdown), saved on the job (`result`) and in analytics_reports."""
    d = ctx.deps
    report = analysis.build_report(
        job_id=ctx.input.job_id,
        source=ctx.input.source,
        origin=d.ingest_data.origin,
        columns=d.ingest_data.columns,
        validation=d.validate_schema.model_dump(),
        column_stats=d.enrich_metadata.column_stats,
        anomalies=d.detect_anomalies.model_dump(),
        aggregates=d.aggregate_results.model_dump(),
        generated_at=_iso(time.time()),
    )
    markdown = analysis.render_markdown(report)
    async with get_deps().session.begin() as s:
        saved = (
            await s.execute(
                insert(AnalyticsReport)
                .values(job_id=ctx.input.job_id, title=report["title"], report=report, markdown=markdown)
                .on_conflict_do_update(
                    index_elements=[AnalyticsReport.job_id],
                    set_={"title": report["title"], "report": report, "markdown": markdown},
                )
                .returning(AnalyticsReport.id)
            )
        ).scalar_one()
        await s.execute(
            update(AnalyticsJob)
            .where(AnalyticsJob.id == ctx.input.job_id)
            .values(result={"report": report, "markdown": markdown})
        )
    return {
        "report_id": saved,
        "title": report["title"],
        "highlights": report["highlights"],
        "markdown_chars": len(markdown),
    }


@handler("data_pipeline_py.notify_stakeholders", inputs=AnalyticsTaskContext, depends=NotifyDeps)
async def notify_stakeholders(ctx: StepContext[AnalyticsTaskContext, NotifyDeps]) -> dict[str, Any]:
    """Tells the stakeholders (template initialization `recipients`) through the email outbox."""
    configured = ctx.initialization.get("recipients")
    recipients = (
        configured
        if isinstance(configured, list) and all(isinstance(r, str) for r in configured)
        else DEFAULT_RECIPIENTS
    )
    report = ctx.deps.generate_report
    message = await enqueue_email(
        get_deps(),
        dedupe_key=f"analytics:{ctx.input.job_id}:report",
        recipients=recipients,
        subject=f"Report ready: {report.title}",
        body="\n".join(
            [
                f"{report.title} is ready.",
                "",
                *(f"- {h}" for h in report.highlights),
                "",
                f"Full report: GET /analytics/jobs/{ctx.input.job_id}",
            ]
        ),
    )
    return {
        "message_id": message.message_id,
        "recipients": recipients,
        "subject": message.subject,
        "status": message.status,
    }


@handler("data_pipeline_py.archive_results", inputs=AnalyticsTaskContext)
async def archive_results(ctx: StepContext[AnalyticsTaskContext, Any]) -> dict[str, Any]:
    """A long-term copy of the report in report_archive (once per job, with a checksum)."""
    job_id = ctx.input.job_id
    async with get_deps().session.begin() as s:
        report = (
            await s.execute(select(AnalyticsReport).where(AnalyticsReport.job_id == job_id))
        ).scalar_one_or_none()
        if report is None:
            raise PermanentError(
                f"no report for analytics job {job_id}; generate_report must run first", code="report_missing"
            )
        await s.execute(
            insert(ReportArchive)
            .values(
                job_id=job_id,
                report=report.report,
                markdown=report.markdown,
                checksum=checksum_of({"report": report.report, "markdown": report.markdown}),
            )
            .on_conflict_do_nothing(index_elements=[ReportArchive.job_id])
        )
        archived = (await s.execute(select(ReportArchive).where(ReportArchive.job_id == job_id))).scalar_one()
    return {
        "archive_id": archived.id,
        "checksum": archived.checksum,
        "archived_at": to_json(archived.archived_at),
        "location": "report_archive",
    }
