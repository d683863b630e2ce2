"""Where a job's rows come from: a file:// path under the dataset directory, an http(s):// URL
(CSV or JSON), or without a URL ~1,000 sales rows generated deterministically from the job id.
Errors say whether trying again can help: an unreadable source is permanent, a 5xx or a timeout
is retryable."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from tasker_sdk import PermanentError, RetryableError

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
REGIONS = ("north", "south", "east", "west")
PRODUCTS = (("WIDGET-001", 29.99), ("GADGET-002", 49.99), ("GIZMO-003", 129.0), ("SCARCE-004", 15.0))
DEFAULT_ROW_COUNT = 1000
START_DATE = datetime(2024, 1, 1, tzinfo=UTC)
M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


def seeded_random(seed: int) -> Any:
    """mulberry32: a tiny, well-distributed 32-bit PRNG; floats in [0, 1) (the hono-app's, bit for bit)."""
    state = seed & M32

    def next_float() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t = t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & M32)
        return ((t ^ (t >> 14)) & M32) / 4_294_967_296

    return next_float


def seed_from(text: str) -> int:
    """FNV-1a of a string, as the PRNG seed."""
    h = 0x811C9DC5
    for ch in text:
        h = _imul(h ^ ord(ch), 0x01000193)
    return h


def _round2(value: float) -> float:
    return math.floor(value * 100 + 0.5) / 100


def generate_dataset(job_id: int, row_count: int = DEFAULT_ROW_COUNT) -> list[dict[str, Any]]:
    """Same id, same rows; about 0.5% bulk deals far above the usual amounts (the anomalies) and
    about 1% broken rows, as real exports have."""
    random = seeded_random(seed_from(f"analytics-job-{job_id}"))
    rows: list[dict[str, Any]] = []
    for _ in range(row_count):
        sku, price = PRODUCTS[math.floor(random() * len(PRODUCTS))]
        quantity = 1 + math.floor(random() * 20)
        amount = _round2(quantity * price * (0.9 + random() * 0.2))
        roll = random()
        if roll < 0.005:
            amount = _round2(amount * 25)
        day = START_DATE + timedelta(days=math.floor(random() * 90))
        row: dict[str, Any] = {
            "date": day.date().isoformat(),
            "region": REGIONS[math.floor(random() * len(REGIONS))],
            "product": sku,
            "quantity": quantity,
            "amount": amount,
        }
        if roll > 0.99:
            if random() < 0.5:
                row["region"] = ""
            else:
                row["quantity"] = "n/a"
        rows.append(row)
    return rows


def checksum_of(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def _is_inside(path: Path, directory: Path) -> bool:
    try:
        rel = path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return str(rel) not in ("", ".")


def _file_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def dataset_url_problem(url: str, dataset_dir: Path) -> str | None:
    """Why a dataset_url is not acceptable, or None when it is (checked at POST and at ingest)."""
    parts = urlsplit(url)
    if not parts.scheme or (parts.scheme != "file" and not parts.netloc):
        return "must be an absolute file:// or http(s):// URL"
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme != "file":
        return f"scheme {parts.scheme}: is not supported; use file://, http:// or https://"
    if not _is_inside(_file_path(url), dataset_dir):
        return f"file datasets must be inside {dataset_dir} (DATASET_DIR)"
    return None


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """Every column name that appears in any row, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def parse_csv(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    records = list(reader)
    if not records or all(h.strip() == "" for h in records[0]):
        raise ValueError("CSV has no header row")
    names = [h.strip() for h in records[0]]
    return [
        {name: (fields[i] if i < len(fields) else "") for i, name in enumerate(names)}
        for fields in records[1:]
        if fields and fields != [""]
    ]


def parse_rows(text: str, kind: str, origin: str) -> list[dict[str, Any]]:
    """CSV, or JSON as a list of objects or ``{"rows": [...]}``; permanent error when neither."""
    try:
        if kind == "csv":
            rows: Any = parse_csv(text)
        else:
            parsed = json.loads(text)
            rows = parsed if isinstance(parsed, list) else (parsed or {}).get("rows")
    except (ValueError, csv.Error, AttributeError) as err:
        raise PermanentError(
            f"dataset {origin} is not valid {kind.upper()}: {err}", code="dataset_unreadable"
        ) from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise PermanentError(
            f'dataset {origin} must be a list of row objects (or {{"rows": [...]}})',
            code="dataset_unreadable",
        )
    if not rows:
        raise PermanentError(f"dataset {origin} has no rows", code="dataset_empty")
    if len(rows) > MAX_ROWS:
        raise PermanentError(
            f"dataset {origin} has {len(rows)} rows; the limit is {MAX_ROWS}", code="dataset_too_large"
        )
    return rows


@dataclass
class LoadedDataset:
    origin: str
    columns: list[str]
    rows: list[dict[str, Any]]


async def load_dataset(
    job_id: int, dataset_url: str | None, dataset_dir: Path, timeout: float, client: httpx.AsyncClient
) -> LoadedDataset:
    if not dataset_url:
        rows = generate_dataset(job_id)
        return LoadedDataset(f"generated from job {job_id}", columns_of(rows), rows)
    problem = dataset_url_problem(dataset_url, dataset_dir)
    if problem:
        raise PermanentError(f"dataset_url {problem}", code="invalid_dataset_url")
    if urlsplit(dataset_url).scheme == "file":
        text, kind = _read_local(_file_path(dataset_url), dataset_dir)
    else:
        text, kind = await _fetch_remote(dataset_url, timeout, client)
    rows = parse_rows(text, kind, dataset_url)
    return LoadedDataset(dataset_url, columns_of(rows), rows)


def _read_local(path: Path, dataset_dir: Path) -> tuple[str, str]:
    try:
        # Symlinks must not lead out of the dataset directory either.
        real = Path(os.path.realpath(path))
        if not _is_inside(real, Path(os.path.realpath(dataset_dir))):
            raise OSError(f"resolves outside {dataset_dir}")
        if real.stat().st_size > MAX_BYTES:
            raise OSError(f"larger than {MAX_BYTES} bytes")
        text = real.read_text(encoding="utf-8")
    except OSError as err:
        raise PermanentError(f"cannot read dataset file {path}: {err}", code="dataset_unreadable") from None
    return text, "json" if path.suffix.lower() == ".json" else "csv"


async def _fetch_remote(url: str, timeout: float, client: httpx.AsyncClient) -> tuple[str, str]:
    try:
        response = await client.get(url, timeout=timeout)
    except httpx.HTTPError as err:
        # A stalled or dropped connection is worth another try.
        raise RetryableError(f"fetching {url} failed: {err!r}", code="dataset_fetch_failed") from None
    if response.status_code >= 500 or response.status_code == 429:
        retry_after: float | None = None
        try:
            retry_after = float(response.headers.get("retry-after", ""))
        except ValueError:
            retry_after = None
        raise RetryableError(
            f"fetching {url} answered {response.status_code}",
            code="dataset_source_unavailable",
            retry_after=retry_after if retry_after and retry_after > 0 else None,
        )
    if not response.is_success:
        raise PermanentError(
            f"fetching {url} answered {response.status_code}; check the dataset_url",
            code="dataset_unreadable",
        )
    if len(response.content) > MAX_BYTES:
        raise PermanentError(
            f"dataset at {url} is {len(response.content)} bytes; the limit is {MAX_BYTES}",
            code="dataset_too_large",
        )
    content_type = response.headers.get("content-type", "")
    kind = "json" if "json" in content_type or urlsplit(url).path.lower().endswith(".json") else "csv"
    return response.text, kind
