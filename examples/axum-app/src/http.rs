//! HTTP helpers shared by every route: JSON errors (never HTML), the validation error shape
//! `400 {error, issues: [{path, message}]}`, JSON bodies that answer 400 when malformed, and row
//! ids in paths.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One problem with a request, at a dotted path (`items.0.quantity`; `""` for the body).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Issue {
    /// Where.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// An error answer: a status and a JSON body `{error, ...extra}`.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The body.
    pub body: Value,
    /// `Retry-After` seconds, for 503s.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// `{error: message}` with a status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, body: json!({ "error": message.into() }), retry_after: None }
    }

    /// 400 `{error: "invalid request body", issues}`.
    pub fn invalid(issues: Vec<Issue>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, body: json!({ "error": "invalid request body", "issues": issues }), retry_after: None }
    }

    /// 404 `{error}`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// Adds fields to the body.
    #[must_use]
    pub fn with(mut self, extra: Map<String, Value>) -> Self {
        if let Value::Object(body) = &mut self.body {
            body.extend(extra);
        }
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error in a request");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error; the server log has the details")
    }
}

/// A JSON body as a [`Value`]: malformed JSON or a body that is not an object is a 400 in the
/// app's validation shape (axum's own rejection is plain text).
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("could not read the request body: {e}")))?;
        let malformed = |message: String| {
            let mut error = ApiError::invalid(vec![Issue { path: String::new(), message: message.clone() }]);
            error.body["error"] = json!(message);
            error
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(malformed("the request body must be a JSON object".into())),
            Err(e) => Err(malformed(format!("malformed JSON in the request body: {e}"))),
        }
    }
}

/// Row ids in paths are positive 32-bit integers (serial); anything else is a malformed id
/// (400), which is a different answer from an id that does not exist (404).
pub fn parse_row_id(raw: &str, what: &str) -> Result<i32, ApiError> {
    let ok = !raw.is_empty() && raw.len() <= 10 && raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0');
    match raw.parse::<i64>() {
        Ok(id) if ok && id <= i64::from(i32::MAX) => Ok(id as i32),
        _ => Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "error": format!("malformed {what} id {raw:?}: use the positive integer id returned when it was created"),
                "issues": [{ "path": "id", "message": "must be a positive integer" }],
            }),
            retry_after: None,
        }),
    }
}

/// Collects validation issues while reading a JSON object.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<Issue>);

impl Issues {
    /// Adds one.
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Issue { path: path.into(), message: message.into() });
    }

    /// Keys of `body` other than `allowed` are issues (the contract is strict: a client-sent
    /// `total` is a mistake worth reporting).
    pub fn strict(&mut self, body: &Map<String, Value>, allowed: &[&str], prefix: &str) {
        for key in body.keys().filter(|k| !allowed.contains(&k.as_str())) {
            self.add(prefix.trim_end_matches('.'), format!("unrecognized key {key:?}; allowed: {}", allowed.join(", ")));
        }
    }

    /// A required trimmed string of `min..=max` characters.
    pub fn string(&mut self, body: &Map<String, Value>, key: &str, path: &str, min: usize, max: usize) -> Option<String> {
        match body.get(key) {
            None | Some(Value::Null) => {
                self.add(path, format!("{key} is required"));
                None
            }
            Some(Value::String(s)) => {
                let s = s.trim();
                let n = s.chars().count();
                if n < min {
                    self.add(path, if min == 1 { format!("{key} is required") } else { format!("{key} needs at least {min} characters") });
                    None
                } else if n > max {
                    self.add(path, format!("{key} is at most {max} characters"));
                    None
                } else {
                    Some(s.to_owned())
                }
            }
            Some(_) => {
                self.add(path, format!("{key} must be a string"));
                None
            }
        }
    }

    /// An optional string (absent or null: `None` without an issue).
    pub fn optional_string(&mut self, body: &Map<String, Value>, key: &str, path: &str, min: usize, max: usize) -> Option<String> {
        match body.get(key) {
            None | Some(Value::Null) => None,
            Some(_) => self.string(body, key, path, min, max),
        }
    }

    /// A required whole number in `min..=max`.
    pub fn integer(&mut self, body: &Map<String, Value>, key: &str, path: &str, min: i64, max: i64) -> Option<i64> {
        match body.get(key) {
            None | Some(Value::Null) => {
                self.add(path, format!("{key} is required"));
                None
            }
            Some(Value::Number(n)) => match n.as_i64().filter(|_| n.is_i64() || n.is_u64()) {
                Some(v) if (min..=max).contains(&v) => Some(v),
                Some(_) => {
                    self.add(path, format!("{key} must be between {min} and {max}"));
                    None
                }
                None => {
                    self.add(path, format!("{key} must be a whole number"));
                    None
                }
            },
            Some(_) => {
                self.add(path, format!("{key} must be a number"));
                None
            }
        }
    }

    /// An error answer when there is any issue.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(self.0))
        }
    }
}

/// `{sku, quantity}` lines, 1..=100 of them, quantity 1..=1000; `unique` refuses a sku twice.
pub fn order_lines(issues: &mut Issues, body: &Map<String, Value>, unique: bool) -> Vec<(String, i64)> {
    let Some(value) = body.get("items") else {
        issues.add("items", "items is required");
        return Vec::new();
    };
    let Value::Array(items) = value else {
        issues.add("items", "items must be a list of {sku, quantity}");
        return Vec::new();
    };
    if items.is_empty() {
        issues.add("items", "an order needs at least one item");
    }
    if items.len() > 100 {
        issues.add("items", "at most 100 items per order");
    }
    let mut lines = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            issues.add(format!("items.{i}"), "each item must be an object {sku, quantity}");
            continue;
        };
        issues.strict(item, &["sku", "quantity"], &format!("items.{i}"));
        let sku = issues.string(item, "sku", &format!("items.{i}.sku"), 1, 64);
        let quantity = issues.integer(item, "quantity", &format!("items.{i}.quantity"), 1, 1000);
        if let Some(sku) = &sku {
            if unique && seen.contains(sku) {
                issues.add(format!("items.{i}.sku"), format!("sku \"{sku}\" appears twice; put the total quantity on one line"));
            }
            seen.push(sku.clone());
        }
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            lines.push((sku, quantity));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_ids_are_positive_32_bit_integers() {
        assert_eq!(parse_row_id("1", "order").unwrap(), 1);
        assert_eq!(parse_row_id("2147483647", "order").unwrap(), i32::MAX);
        for raw in ["", "0", "-1", "01", "1.5", "abc", "1e3", " 1", "2147483648", "99999999999"] {
            assert!(parse_row_id(raw, "order").is_err(), "{raw:?}");
        }
    }

    #[test]
    fn lines_name_every_problem_with_its_path() {
        let body = json!({"items": [{"sku": "A", "quantity": 0}, {"sku": "", "quantity": 1.5}, {"sku": "A", "quantity": 2}]});
        let mut issues = Issues::default();
        order_lines(&mut issues, body.as_object().unwrap(), true);
        let paths: Vec<&str> = issues.0.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, vec!["items.0.quantity", "items.1.sku", "items.1.quantity", "items.2.sku"]);
    }
}
