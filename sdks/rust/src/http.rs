//! One keep-alive HTTP client for the orchestration server, with the API's error envelope.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// Calls the orchestration server: `X-API-Key` on every request, JSON in and out, non-2xx
/// answers as [`Error::Api`] with the envelope's code, message and details.
#[derive(Clone, Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    api_key: Option<String>,
}

/// A 2xx answer: its status and its JSON body.
pub(crate) struct Answer<T> {
    pub status: StatusCode,
    pub body: T,
}

impl Http {
    pub fn new(base_url: &str, api_key: Option<String>) -> Result<Self, Error> {
        let base = base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "the orchestration URL must start with http:// or https:// (got {base_url:?})"
            )));
        }
        if base.starts_with("https://") && !cfg!(feature = "rustls") {
            return Err(Error::Config(format!(
                "{base_url} is https, but tasker-worker was built without TLS; enable its `rustls` feature"
            )));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client, base, api_key: api_key.filter(|k| !k.is_empty()) })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends a request and decodes a 2xx JSON answer; `timeout` bounds the whole exchange.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        timeout: Option<Duration>,
    ) -> Result<Answer<T>, Error> {
        let url = format!("{}{}", self.base, path);
        let mut request = self.client.request(method.clone(), &url).header("accept", "application/json");
        if let Some(key) = &self.api_key {
            request = request.header("x-api-key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let unreachable = |source| Error::Unreachable { request: format!("{method} {url}"), source };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(api_error(&method, path, status, &bytes));
        }
        let text: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        let body = serde_json::from_slice(text).map_err(|e| Error::Decode {
            request: format!("{method} {path}"),
            message: format!("{e} (body: {})", preview(&bytes)),
        })?;
        Ok(Answer { status, body })
    }
}

fn api_error(method: &Method, path: &str, status: StatusCode, bytes: &[u8]) -> Error {
    let envelope: Option<Value> = serde_json::from_slice(bytes).ok();
    let error = envelope.as_ref().and_then(|v| v.get("error"));
    let code = error.and_then(|e| e.get("code")).and_then(Value::as_str).map(str::to_owned);
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| preview(bytes));
    let details = error.and_then(|e| e.get("details")).filter(|d| !d.is_null()).map(|d| Box::new(d.clone()));
    Error::Api { request: format!("{method} {path}"), status: status.as_u16(), code, message, details }
}

fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut cut: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        cut.push_str("...");
    }
    cut
}
