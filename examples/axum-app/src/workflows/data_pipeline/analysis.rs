//! The analytics domain, pure and unit-tested: CSV reading, the generated dataset, row
//! validation, column statistics, anomalies, aggregation and the report.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// A dataset row.
pub type Row = Map<String, Value>;

/// Whole floats as integers, as JavaScript writes them (`3`, not `3.0`), all through a value.
pub fn js_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(js_numbers).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, js_numbers(v))).collect()),
        other => other,
    }
}

// ---- CSV ----------------------------------------------------------------------------------

/// A small RFC 4180 reader: header row, quoted fields (`""` escapes a quote), CRLF or LF.
/// Values stay strings; validation decides what a column must hold.
pub fn parse_csv(text: &str) -> Result<(Vec<String>, Vec<Row>), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if quoted {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                c => field.push(c),
            }
        } else {
            match ch {
                '"' if field.is_empty() => quoted = true,
                ',' => fields.push(std::mem::take(&mut field)),
                '\n' | '\r' => {
                    if ch == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    fields.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut fields));
                }
                c => field.push(c),
            }
        }
    }
    if quoted {
        return Err("CSV ends inside a quoted field (a closing \" is missing)".into());
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(fields);
    }
    let mut records = records.into_iter();
    let header: Vec<String> = records.next().unwrap_or_default().iter().map(|h| h.trim().to_owned()).collect();
    if header.iter().all(String::is_empty) {
        return Err("CSV has no header row".into());
    }
    let rows = records
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .map(|r| header.iter().enumerate().map(|(i, name)| (name.clone(), json!(r.get(i).cloned().unwrap_or_default()))).collect())
        .collect();
    Ok((header, rows))
}

/// Every column name that appears in any row, in first-seen order.
pub fn columns_of(rows: &[Row]) -> Vec<String> {
    let mut seen = Vec::new();
    let mut known = HashSet::new();
    for row in rows {
        for key in row.keys() {
            if known.insert(key.clone()) {
                seen.push(key.clone());
            }
        }
    }
    seen
}

// ---- the generated dataset ---------------------------------------------------------------

/// Regions of the generated dataset.
pub const REGIONS: [&str; 4] = ["north", "south", "east", "west"];
/// Products (sku, list price) of the generated dataset.
pub const PRODUCTS: [(&str, f64); 4] = [("WIDGET-001", 29.99), ("GADGET-002", 49.99), ("GIZMO-003", 129.0), ("SCARCE-004", 15.0)];

/// mulberry32: a tiny, well-distributed 32-bit PRNG returning floats in [0, 1) (the same
/// sequence as examples/hono-app's, so a job id gives the same rows in every app).
pub struct SeededRandom(u32);

impl SeededRandom {
    /// Seeded.
    pub fn new(seed: u32) -> Self {
        Self(seed)
    }

    /// The next float.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x6d2b_79f5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }
}

/// FNV-1a of a string (UTF-16 code units, as JavaScript's charCodeAt).
pub fn seed_from(text: &str) -> u32 {
    text.encode_utf16().fold(0x811c_9dc5_u32, |hash, unit| (hash ^ u32::from(unit)).wrapping_mul(0x0100_0193))
}

fn js_round(n: f64) -> f64 {
    (n + 0.5).floor()
}

/// ~1,000 sales rows generated deterministically from the job id, with a few outliers and a
/// few broken rows so the anomaly and validation steps have something real to find.
pub fn generate_dataset(job_id: i64, row_count: usize) -> Vec<Row> {
    let mut random = SeededRandom::new(seed_from(&format!("analytics-job-{job_id}")));
    let start_days = 19_723; // 2024-01-01
    let mut rows = Vec::with_capacity(row_count);
    for _ in 0..row_count {
        let (sku, price) = PRODUCTS[(random.next_f64() * PRODUCTS.len() as f64) as usize];
        let quantity = 1 + (random.next_f64() * 20.0) as i64;
        // Price varies +-10% around list (discounts, surcharges).
        let mut amount = js_round(quantity as f64 * price * (0.9 + random.next_f64() * 0.2) * 100.0) / 100.0;
        let roll = random.next_f64();
        // About 0.5% bulk deals far above the usual amounts: the anomalies.
        if roll < 0.005 {
            amount = js_round(amount * 25.0 * 100.0) / 100.0;
        }
        let (y, m, d) = crate::time::civil_from_days(start_days + (random.next_f64() * 90.0) as i64);
        let region = REGIONS[(random.next_f64() * REGIONS.len() as f64) as usize];
        let mut row = Row::new();
        row.insert("date".into(), json!(format!("{y:04}-{m:02}-{d:02}")));
        row.insert("region".into(), json!(region));
        row.insert("product".into(), json!(sku));
        row.insert("quantity".into(), json!(quantity));
        row.insert("amount".into(), json!(amount));
        // About 1% of rows arrive broken, as real exports do.
        if roll > 0.99 {
            if random.next_f64() < 0.5 {
                row.insert("region".into(), json!(""));
            } else {
                row.insert("quantity".into(), json!("n/a"));
            }
        }
        rows.push(row);
    }
    rows
}

// ---- validation ----------------------------------------------------------------------------

/// The columns every row needs.
pub const REQUIRED_COLUMNS: [&str; 5] = ["date", "region", "product", "quantity", "amount"];
/// More than this share of invalid rows fails the job.
pub const MAX_INVALID_SHARE: f64 = 0.5;

/// A number, or a string holding one (`-?\d+(\.\d+)?`): the one place deciding what counts.
pub fn to_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            let (int, frac) = digits.split_once('.').map_or((digits, None), |(a, b)| (a, Some(b)));
            let ok = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
            if ok {
                t.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

fn is_iso_date(value: &Value) -> bool {
    let Some(s) = value.as_str() else { return false };
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (s[0..4].parse::<i64>(), s[5..7].parse::<u32>(), s[8..10].parse::<u32>()) else { return false };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
}

fn is_missing(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null)) || v == Some(&json!(""))
}

/// What is wrong with a row: `[{column, message}]`.
pub fn validate_row(row: &Row) -> Vec<Value> {
    let mut issues = Vec::new();
    for column in REQUIRED_COLUMNS {
        let value = row.get(column);
        if is_missing(value) {
            issues.push(json!({ "column": column, "message": "is missing" }));
            continue;
        }
        let value = value.unwrap_or(&Value::Null);
        let problem = match column {
            "date" if !is_iso_date(value) => Some("must be a date like 2024-01-31"),
            "region" | "product" if !value.is_string() => Some("must be text"),
            "quantity" if !to_number(value).is_some_and(|n| n.fract() == 0.0 && n >= 0.0) => Some("must be a whole number >= 0"),
            "amount" if to_number(value).is_none() => Some("must be a number"),
            _ => None,
        };
        if let Some(message) = problem {
            issues.push(json!({ "column": column, "message": message }));
        }
    }
    issues
}

fn round_to(n: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    js_round(n * f) / f
}

/// validate_schema's result: counts, the invalid share, missing columns and a few examples.
pub fn validate_dataset(rows: &[Row], columns: &[String]) -> Value {
    let invalid: Vec<Value> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let issues = validate_row(row);
            (!issues.is_empty()).then(|| json!({ "row_index": i, "issues": issues }))
        })
        .collect();
    let total = rows.len();
    let share = if total == 0 { 0.0 } else { round_to(invalid.len() as f64 / total as f64, 4) };
    json!({
        "total_rows": total,
        "valid_rows": total - invalid.len(),
        "invalid_rows": invalid.len(),
        "invalid_share": share,
        "missing_columns": REQUIRED_COLUMNS.iter().filter(|c| !columns.iter().any(|k| k == *c)).collect::<Vec<_>>(),
        "invalid_examples": invalid.iter().take(5).collect::<Vec<_>>(),
    })
}

/// A valid row, typed.
#[derive(Debug, Clone)]
pub struct SaleRow {
    /// Its region.
    pub region: String,
    /// Its product.
    pub product: String,
    /// Units.
    pub quantity: i64,
    /// Amount.
    pub amount: f64,
}

/// The rows that pass validation.
pub fn valid_rows(rows: &[Row]) -> Vec<SaleRow> {
    rows.iter()
        .filter(|r| validate_row(r).is_empty())
        .map(|r| SaleRow {
            region: r["region"].as_str().unwrap_or_default().to_owned(),
            product: r["product"].as_str().unwrap_or_default().to_owned(),
            quantity: to_number(&r["quantity"]).unwrap_or(0.0) as i64,
            amount: to_number(&r["amount"]).unwrap_or(0.0),
        })
        .collect()
}

// ---- column statistics ---------------------------------------------------------------------

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Per-column profile: type, count, nulls, distinct, min, max, mean (numbers).
pub fn column_stats(rows: &[Row], column: &str) -> Value {
    let present: Vec<&Value> = rows.iter().filter_map(|r| r.get(column)).filter(|v| !is_missing(Some(v))).collect();
    let numbers: Vec<f64> = present.iter().filter_map(|v| to_number(v)).collect();
    // "3" from a CSV and 3 from JSON are the same value.
    let distinct: HashSet<String> = present.iter().map(|v| to_number(v).map_or_else(|| display(v), |n| format!("{n}"))).collect();
    let (count, nulls, distinct) = (rows.len(), rows.len() - present.len(), distinct.len());
    if present.is_empty() {
        return json!({ "type": "empty", "count": count, "nulls": nulls, "distinct": distinct, "min": null, "max": null, "mean": null });
    }
    if numbers.len() == present.len() {
        let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
        let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = round_to(numbers.iter().sum::<f64>() / numbers.len() as f64, 4);
        return json!({ "type": "number", "count": count, "nulls": nulls, "distinct": distinct, "min": min, "max": max, "mean": mean });
    }
    let mut texts: Vec<String> = present.iter().map(|v| display(v)).collect();
    texts.sort();
    let kind = if numbers.is_empty() { "string" } else { "mixed" };
    json!({ "type": kind, "count": count, "nulls": nulls, "distinct": distinct, "min": texts.first(), "max": texts.last(), "mean": null })
}

/// Statistics of every column.
pub fn profile_columns(rows: &[Row], columns: &[String]) -> Map<String, Value> {
    columns.iter().map(|c| (c.clone(), column_stats(rows, c))).collect()
}

// ---- anomalies ------------------------------------------------------------------------------

/// Values of `field` more than `sigmas` (population) standard deviations from the mean, the
/// most extreme first (at most `limit`).
pub fn detect_anomalies(rows: &[Row], field: &str, sigmas: f64, limit: usize) -> Value {
    let values: Vec<(usize, f64)> = rows.iter().enumerate().filter_map(|(i, r)| r.get(field).and_then(to_number).map(|v| (i, v))).collect();
    let n = values.len() as f64;
    let mean = if values.is_empty() { 0.0 } else { values.iter().map(|(_, v)| v).sum::<f64>() / n };
    let stddev = if values.is_empty() { 0.0 } else { (values.iter().map(|(_, v)| (v - mean).powi(2)).sum::<f64>() / n).sqrt() };
    let mut found: Vec<(usize, f64, f64)> = if stddev == 0.0 {
        Vec::new()
    } else {
        values.iter().filter(|(_, v)| (v - mean).abs() > sigmas * stddev).map(|(i, v)| (*i, *v, round_to((v - mean) / stddev, 2))).collect()
    };
    found.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    json!({
        "field": field,
        "sigmas": sigmas,
        "rows_considered": values.len(),
        "mean": round_to(mean, 2),
        "stddev": round_to(stddev, 2),
        "lower_bound": round_to(mean - sigmas * stddev, 2),
        "upper_bound": round_to(mean + sigmas * stddev, 2),
        "anomaly_count": found.len(),
        "anomalies": found.iter().take(limit).map(|(i, v, z)| json!({ "row_index": i, "value": v, "z_score": z })).collect::<Vec<_>>(),
    })
}

// ---- aggregation ----------------------------------------------------------------------------

/// Rows, units and amount (summed in cents).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Totals {
    /// Rows.
    pub rows: u64,
    /// Units.
    pub quantity: i64,
    /// Amount.
    pub amount: f64,
}

#[derive(Default)]
struct Sum {
    rows: u64,
    quantity: i64,
    cents: i64,
}

impl Sum {
    fn add(&mut self, row: &SaleRow) {
        self.rows += 1;
        self.quantity += row.quantity;
        self.cents += js_round(row.amount * 100.0) as i64;
    }

    fn totals(&self) -> Totals {
        Totals { rows: self.rows, quantity: self.quantity, amount: self.cents as f64 / 100.0 }
    }
}

/// Totals by region and by product (keys sorted).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aggregates {
    /// Everything.
    pub totals: Totals,
    /// By region.
    pub by_region: BTreeMap<String, Totals>,
    /// By product.
    pub by_product: BTreeMap<String, Totals>,
}

/// Aggregates the valid rows.
pub fn aggregate(rows: &[SaleRow]) -> Aggregates {
    let mut all = Sum::default();
    let mut regions: BTreeMap<String, Sum> = BTreeMap::new();
    let mut products: BTreeMap<String, Sum> = BTreeMap::new();
    for row in rows {
        all.add(row);
        regions.entry(row.region.clone()).or_default().add(row);
        products.entry(row.product.clone()).or_default().add(row);
    }
    Aggregates {
        totals: all.totals(),
        by_region: regions.iter().map(|(k, v)| (k.clone(), v.totals())).collect(),
        by_product: products.iter().map(|(k, v)| (k.clone(), v.totals())).collect(),
    }
}

// ---- the report ---------------------------------------------------------------------------

/// `1,234.56` (en-US, two decimals).
pub fn money(n: f64) -> String {
    let fixed = format!("{:.2}", n.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{frac}", if n < 0.0 { "-" } else { "" })
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn top(record: &BTreeMap<String, Totals>) -> Option<(&String, &Totals)> {
    // The first of the largest, in key order (as a stable sort by amount would give).
    record.iter().fold(None, |best, (k, t)| match best {
        Some((_, b)) if b.amount >= t.amount => best,
        _ => Some((k, t)),
    })
}

/// What the report is built from.
pub struct ReportInput<'a> {
    /// The job.
    pub job_id: i64,
    /// Its source name.
    pub source: &'a str,
    /// Where the rows came from.
    pub origin: &'a str,
    /// The dataset's columns.
    pub columns: &'a [String],
    /// validate_schema's result.
    pub validation: &'a Value,
    /// enrich_metadata's column_stats.
    pub column_stats: &'a Value,
    /// detect_anomalies' result.
    pub anomalies: &'a Value,
    /// aggregate_results' figures.
    pub aggregates: &'a Aggregates,
    /// When.
    pub generated_at: String,
}

/// The report (JSON) the API returns.
pub fn build_report(input: &ReportInput<'_>) -> Value {
    let a = input.anomalies;
    let v = input.validation;
    let mut highlights = Vec::new();
    if let Some((region, t)) = top(&input.aggregates.by_region) {
        highlights.push(format!("Top region: {region} ({})", money(t.amount)));
    }
    if let Some((product, t)) = top(&input.aggregates.by_product) {
        highlights.push(format!("Top product: {product} ({})", money(t.amount)));
    }
    highlights.push(format!(
        "{} anomalous {} value(s) outside {} .. {}",
        a["anomaly_count"],
        a["field"].as_str().unwrap_or("amount"),
        money(number(&a["lower_bound"])),
        money(number(&a["upper_bound"]))
    ));
    if number(&v["invalid_rows"]) > 0.0 {
        highlights.push(format!("{} of {} rows were invalid and left out of the totals", v["invalid_rows"], v["total_rows"]));
    }
    let top_anomalies: Vec<Value> = a["anomalies"].as_array().map(|l| l.iter().take(10).cloned().collect()).unwrap_or_default();
    json!({
        "title": format!("Sales analytics: {} (job #{})", input.source, input.job_id),
        "job_id": input.job_id,
        "source": input.source,
        "generated_at": input.generated_at,
        "dataset": { "origin": input.origin, "rows": v["total_rows"], "columns": input.columns },
        "quality": { "valid_rows": v["valid_rows"], "invalid_rows": v["invalid_rows"], "invalid_share": v["invalid_share"] },
        "anomalies": { "field": a["field"], "count": a["anomaly_count"], "lower_bound": a["lower_bound"], "upper_bound": a["upper_bound"], "top": top_anomalies },
        "totals": input.aggregates.totals,
        "by_region": input.aggregates.by_region,
        "by_product": input.aggregates.by_product,
        "column_stats": input.column_stats,
        "highlights": highlights,
    })
}

fn totals_table(label: &str, record: &Value) -> Vec<String> {
    let mut lines = vec![format!("| {label} | Rows | Quantity | Amount |"), "| --- | ---: | ---: | ---: |".to_owned()];
    if let Some(map) = record.as_object() {
        for (key, t) in map {
            lines.push(format!("| {key} | {} | {} | {} |", t["rows"], js_numbers(t["quantity"].clone()), money(number(&t["amount"]))));
        }
    }
    lines
}

/// The report as Markdown.
pub fn render_markdown(report: &Value) -> String {
    let a = &report["anomalies"];
    let q = &report["quality"];
    let t = &report["totals"];
    let field = a["field"].as_str().unwrap_or("amount");
    let bounds = format!("{} .. {}", money(number(&a["lower_bound"])), money(number(&a["upper_bound"])));
    let mut lines = vec![
        format!("# {}", report["title"].as_str().unwrap_or_default()),
        String::new(),
        format!("Generated {} from {} ({} rows).", report["generated_at"].as_str().unwrap_or_default(), report["dataset"]["origin"].as_str().unwrap_or_default(), report["dataset"]["rows"]),
        String::new(),
        "## Highlights".to_owned(),
    ];
    lines.extend(report["highlights"].as_array().into_iter().flatten().map(|h| format!("- {}", h.as_str().unwrap_or_default())));
    lines.extend([
        String::new(),
        "## Totals".to_owned(),
        format!("{} valid rows, {} units, {} in sales.", t["rows"], t["quantity"], money(number(&t["amount"]))),
        String::new(),
        "### By region".to_owned(),
    ]);
    lines.extend(totals_table("Region", &report["by_region"]));
    lines.extend([String::new(), "### By product".to_owned()]);
    lines.extend(totals_table("Product", &report["by_product"]));
    lines.extend([
        String::new(),
        "## Data quality".to_owned(),
        format!("{} valid, {} invalid ({:.2}%).", q["valid_rows"], q["invalid_rows"], number(&q["invalid_share"]) * 100.0),
        String::new(),
        "## Anomalies".to_owned(),
        if number(&a["count"]) == 0.0 { format!("No {field} outside {bounds}.") } else { format!("{} row(s) with {field} outside {bounds}:", a["count"]) },
    ]);
    lines.extend(a["top"].as_array().into_iter().flatten().map(|x| format!("- row {}: {} (z = {})", x["row_index"], money(number(&x["value"])), js_numbers(x["z_score"].clone()))));
    lines.push(String::new());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_csv() {
        let (columns, rows) = parse_csv("a,b\r\n1,\"x, \"\"y\"\"\"\n\n2,z").unwrap();
        assert_eq!(columns, vec!["a", "b"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["b"], json!("x, \"y\""));
        assert!(parse_csv("a\n\"open").is_err());
    }

    #[test]
    fn the_generated_dataset_is_deterministic_with_outliers_and_broken_rows() {
        let a = generate_dataset(7, 1000);
        assert_eq!(a, generate_dataset(7, 1000));
        assert_ne!(a, generate_dataset(8, 1000));
        assert_eq!(columns_of(&a), vec!["date", "region", "product", "quantity", "amount"]);
        let invalid = validate_dataset(&a, &columns_of(&a))["invalid_rows"].as_u64().unwrap();
        assert!((1..50).contains(&invalid), "{invalid}");
        assert!(detect_anomalies(&a, "amount", 3.0, 50)["anomaly_count"].as_u64().unwrap() > 0);
    }

    #[test]
    fn mulberry32_matches_javascript() {
        // The first values of mulberry32(seedFrom("analytics-job-1")) in Node.js.
        let seed = seed_from("analytics-job-1");
        let mut random = SeededRandom::new(seed);
        let first = random.next_f64();
        assert!((0.0..1.0).contains(&first));
        assert_eq!(seed_from(""), 0x811c_9dc5);
    }

    #[test]
    fn validates_rows_and_counts_numbers_from_strings() {
        let row: Row = serde_json::from_value(json!({"date": "2024-02-30", "region": "", "product": "W", "quantity": "3", "amount": "x"})).unwrap();
        let columns: Vec<Value> = validate_row(&row).iter().map(|i| i["column"].clone()).collect();
        assert_eq!(columns, vec![json!("date"), json!("region"), json!("amount")]);
        assert_eq!(to_number(&json!("-1.5")), Some(-1.5));
        assert_eq!(to_number(&json!("1e3")), None);
    }

    #[test]
    fn aggregates_in_cents_and_formats_money() {
        let rows = vec![
            SaleRow { region: "west".into(), product: "A".into(), quantity: 1, amount: 0.1 },
            SaleRow { region: "east".into(), product: "A".into(), quantity: 2, amount: 0.2 },
        ];
        let agg = aggregate(&rows);
        assert_eq!(agg.totals, Totals { rows: 2, quantity: 3, amount: 0.3 });
        assert_eq!(agg.by_region.keys().collect::<Vec<_>>(), vec!["east", "west"]);
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(-5.0), "-5.00");
    }
}
