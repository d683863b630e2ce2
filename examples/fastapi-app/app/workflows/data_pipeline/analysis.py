"""The analyses, pure functions: row validation, column statistics, anomalies (more than
`sigmas` population standard deviations from the mean), totals by region and product (in
cents), and the report with its Markdown rendering."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

REQUIRED_COLUMNS = ("date", "region", "product", "quantity", "amount")
#: More than this share of invalid rows fails the job: the data is not what we think it is.
MAX_INVALID_SHARE = 0.5
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def half_up(value: float) -> int:
    return math.floor(value + 0.5)


def round_to(value: float, places: int) -> float:
    factor = 10.0**places
    return half_up(value * factor) / factor


def to_number(value: Any) -> float | None:
    """The one place that decides what counts as a number (numeric strings from CSV do)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and NUMBER.match(value.strip()):
        return float(value.strip())
    return None


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_row(row: dict[str, Any]) -> list[dict[str, str]]:
    issues = []
    for column in REQUIRED_COLUMNS:
        value = row.get(column)
        if value is None or value == "":
            issues.append({"column": column, "message": "is missing"})
            continue
        if column == "date" and not _is_iso_date(value):
            issues.append({"column": column, "message": "must be a date like 2024-01-31"})
        if column in ("region", "product") and not isinstance(value, str):
            issues.append({"column": column, "message": "must be text"})
        if column == "quantity":
            n = to_number(value)
            if n is None or not n.is_integer() or n < 0:
                issues.append({"column": column, "message": "must be a whole number >= 0"})
        if column == "amount" and to_number(value) is None:
            issues.append({"column": column, "message": "must be a number"})
    return issues


def validate_dataset(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    invalid = []
    for index, row in enumerate(rows):
        issues = validate_row(row)
        if issues:
            invalid.append({"row_index": index, "issues": issues})
    total = len(rows)
    return {
        "total_rows": total,
        "valid_rows": total - len(invalid),
        "invalid_rows": len(invalid),
        "invalid_share": 0 if total == 0 else round_to(len(invalid) / total, 4),
        "missing_columns": [c for c in REQUIRED_COLUMNS if c not in columns],
        "invalid_examples": invalid[:5],
    }


def valid_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that pass validate_row, with quantity and amount as numbers."""
    return [
        {
            "date": str(row["date"]),
            "region": str(row["region"]),
            "product": str(row["product"]),
            "quantity": int(to_number(row["quantity"]) or 0),
            "amount": to_number(row["amount"]) or 0.0,
        }
        for row in rows
        if not validate_row(row)
    ]


def _number_out(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def column_stats(rows: list[dict[str, Any]], column: str) -> dict[str, Any]:
    present = [row.get(column) for row in rows if row.get(column) not in (None, "")]
    numbers = [n for n in (to_number(v) for v in present) if n is not None]

    def key(v: Any) -> str:
        n = to_number(v)
        if n is not None:
            return repr(n)
        return v if isinstance(v, str) else json.dumps(v)

    base = {"count": len(rows), "nulls": len(rows) - len(present), "distinct": len({key(v) for v in present})}
    if not present:
        return {**base, "type": "empty", "min": None, "max": None, "mean": None}
    if len(numbers) == len(present):
        return {
            **base,
            "type": "number",
            "min": _number_out(min(numbers)),
            "max": _number_out(max(numbers)),
            "mean": round_to(sum(numbers) / len(numbers), 4),
        }
    texts = sorted(str(v) for v in present)
    return {**base, "type": "mixed" if numbers else "string", "min": texts[0], "max": texts[-1], "mean": None}


def profile_columns(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, dict[str, Any]]:
    return {c: column_stats(rows, c) for c in columns}


def detect_anomalies(
    rows: list[dict[str, Any]], field: str = "amount", sigmas: float = 3, limit: int = 50
) -> dict[str, Any]:
    values = [(i, n) for i, n in ((i, to_number(r.get(field))) for i, r in enumerate(rows)) if n is not None]
    n = len(values)
    mean = 0.0 if n == 0 else sum(v for _, v in values) / n
    stddev = 0.0 if n == 0 else math.sqrt(sum((v - mean) ** 2 for _, v in values) / n)
    found = (
        []
        if stddev == 0
        else sorted(
            (
                {"row_index": i, "value": v, "z_score": round_to((v - mean) / stddev, 2)}
                for i, v in values
                if abs(v - mean) > sigmas * stddev
            ),
            key=lambda a: -abs(a["z_score"]),
        )
    )
    return {
        "field": field,
        "sigmas": sigmas,
        "rows_considered": n,
        "mean": round_to(mean, 2),
        "stddev": round_to(stddev, 2),
        "lower_bound": round_to(mean - sigmas * stddev, 2),
        "upper_bound": round_to(mean + sigmas * stddev, 2),
        "anomaly_count": len(found),
        "anomalies": found[:limit],
    }


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def add(table: dict[str, list[int]], key: str, row: dict[str, Any]) -> None:
        entry = table.setdefault(key, [0, 0, 0])
        entry[0] += 1
        entry[1] += row["quantity"]
        entry[2] += half_up(row["amount"] * 100)

    def totals(entry: list[int]) -> dict[str, Any]:
        return {"rows": entry[0], "quantity": entry[1], "amount": entry[2] / 100}

    everything: dict[str, list[int]] = {}
    regions: dict[str, list[int]] = {}
    products: dict[str, list[int]] = {}
    for row in rows:
        add(everything, "all", row)
        add(regions, row["region"], row)
        add(products, row["product"], row)
    return {
        "totals": totals(everything.get("all", [0, 0, 0])),
        "by_region": {k: totals(v) for k, v in sorted(regions.items())},
        "by_product": {k: totals(v) for k, v in sorted(products.items())},
    }


def money(n: float) -> str:
    return f"{n:,.2f}"


def build_report(
    *,
    job_id: int,
    source: str,
    origin: str,
    columns: list[str],
    validation: dict[str, Any],
    column_stats: dict[str, Any],
    anomalies: dict[str, Any],
    aggregates: dict[str, Any],
    generated_at: str,
) -> dict[str, Any]:
    highlights = []

    def top(record: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
        return max(record.items(), key=lambda kv: kv[1]["amount"], default=None)

    if region := top(aggregates["by_region"]):
        highlights.append(f"Top region: {region[0]} ({money(region[1]['amount'])})")
    if product := top(aggregates["by_product"]):
        highlights.append(f"Top product: {product[0]} ({money(product[1]['amount'])})")
    highlights.append(
        f"{anomalies['anomaly_count']} anomalous {anomalies['field']} value(s) outside "
        f"{money(anomalies['lower_bound'])} .. {money(anomalies['upper_bound'])}"
    )
    if validation["invalid_rows"] > 0:
        highlights.append(
            f"{validation['invalid_rows']} of {validation['total_rows']} rows were invalid and left "
            "out of the totals"
        )
    return {
        "title": f"Sales analytics: {source} (job #{job_id})",
        "job_id": job_id,
        "source": source,
        "generated_at": generated_at,
        "dataset": {"origin": origin, "rows": validation["total_rows"], "columns": columns},
        "quality": {k: validation[k] for k in ("valid_rows", "invalid_rows", "invalid_share")},
        "anomalies": {
            "field": anomalies["field"],
            "count": anomalies["anomaly_count"],
            "lower_bound": anomalies["lower_bound"],
            "upper_bound": anomalies["upper_bound"],
            "top": anomalies["anomalies"][:10],
        },
        "totals": aggregates["totals"],
        "by_region": aggregates["by_region"],
        "by_product": aggregates["by_product"],
        "column_stats": column_stats,
        "highlights": highlights,
    }


def _totals_table(label: str, record: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"| {label} | Rows | Quantity | Amount |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {k} | {t['rows']} | {t['quantity']} | {money(t['amount'])} |" for k, t in record.items()),
    ]


def render_markdown(report: dict[str, Any]) -> str:
    a = report["anomalies"]
    bounds = f"{money(a['lower_bound'])} .. {money(a['upper_bound'])}"
    return "\n".join(
        [
            f"# {report['title']}",
            "",
            f"Generated {report['generated_at']} from {report['dataset']['origin']} ({report['dataset']['rows']} rows).",
            "",
            "## Highlights",
            *(f"- {h}" for h in report["highlights"]),
            "",
            "## Totals",
            f"{report['totals']['rows']} valid rows, {report['totals']['quantity']} units, "
            f"{money(report['totals']['amount'])} in sales.",
            "",
            "### By region",
            *_totals_table("Region", report["by_region"]),
            "",
            "### By product",
            *_totals_table("Product", report["by_product"]),
            "",
            "## Data quality",
            f"{report['quality']['valid_rows']} valid, {report['quality']['invalid_rows']} invalid "
            f"({report['quality']['invalid_share'] * 100:.2f}%).",
            "",
            "## Anomalies",
            f"No {a['field']} outside {bounds}."
            if a["count"] == 0
            else f"{a['count']} row(s) with {a['field']} outside {bounds}:",
            *(f"- row {x['row_index']}: {money(x['value'])} (z = {x['z_score']})" for x in a["top"]),
            "",
        ]
    )
