//! One request of a delivery: the HTTP client webhooks use, the signed body, and how the
//! request ended.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};
use crate::outbox::WebhookEventType;
use crate::webhook_settings::WebhookConfig;
use entity::{webhook, webhook_delivery, webhook_event};

/// Longest error text kept.
const MAX_ERROR: usize = 500;

/// The HTTP client of webhooks: no proxies from the environment, no redirects, the configured
/// timeout, and a resolver that refuses addresses webhooks may not reach.
#[derive(Debug, Clone)]
pub struct Courier {
    client: reqwest::Client,
}

impl Courier {
    pub fn new(config: &WebhookConfig) -> AppResult<Self> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout())
            .connect_timeout(config.timeout().min(Duration::from_secs(5)))
            .user_agent(concat!("Salesgraph-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(super::address::GuardedResolver {
                config: Arc::new(config.clone()),
            }))
            .build()
            .map_err(|err| {
                tracing::error!(error = %err, "the webhook HTTP client cannot be built");
                AppError::internal()
            })?;
        Ok(Self { client })
    }
}

/// Everything one request needs.
#[derive(Debug, Clone)]
pub(super) struct Send {
    pub(super) delivery: webhook_delivery::Model,
    pub(super) endpoint: webhook::Model,
    pub(super) event: webhook_event::Model,
}

/// How one request ended.
#[derive(Debug, Clone)]
pub(super) struct Outcome {
    pub(super) status: Option<u16>,
    pub(super) latency_ms: i32,
    pub(super) error: Option<String>,
}

impl Outcome {
    pub(super) fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The JSON body of an event: `type`, `timestamp` and `data`, as Standard Webhooks suggests.
pub fn body(event: &webhook_event::Model) -> String {
    let data: serde_json::Value =
        serde_json::from_str(&event.data).unwrap_or(serde_json::Value::Null);
    let kind = WebhookEventType::parse(&event.event_type)
        .map_or_else(|| event.event_type.to_ascii_lowercase(), |k| k.wire_name());
    serde_json::json!({
        "type": kind,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// The secrets that sign now: the current one, and the one before a rotation while it overlaps.
fn secrets(endpoint: &webhook::Model, now: DateTime<Utc>) -> Vec<&str> {
    let mut secrets = vec![endpoint.secret.as_str()];
    if let (Some(previous), Some(until)) =
        (&endpoint.previous_secret, endpoint.previous_secret_until)
        && until > now
    {
        secrets.push(previous.as_str());
    }
    secrets
}

pub(super) async fn post(
    courier: &Courier,
    config: &WebhookConfig,
    send: &Send,
    now: DateTime<Utc>,
) -> Outcome {
    let started = Instant::now();
    let elapsed =
        |started: Instant| i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    // Checked again: the rules may have tightened since the endpoint was registered.
    let url = match super::address::check_url(&send.endpoint.url, config, "url") {
        Ok(url) => url,
        Err(err) => {
            return Outcome {
                status: None,
                latency_ms: 0,
                error: Some(format!("refused before sending: {}", err.message)),
            };
        }
    };
    let id = send.event.id.to_string();
    let timestamp = now.timestamp();
    let body = body(&send.event);
    let signature = super::signing::header(
        secrets(&send.endpoint, now),
        &id,
        timestamp,
        body.as_bytes(),
    );
    let sent = courier
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let error = if status.is_success() {
                None
            } else if status.is_redirection() {
                Some(format!(
                    "answered {} (redirects are not followed)",
                    status.as_u16()
                ))
            } else {
                Some(format!("answered {}", status.as_u16()))
            };
            Outcome {
                status: Some(status.as_u16()),
                latency_ms: elapsed(started),
                error,
            }
        }
        Err(err) => Outcome {
            status: None,
            latency_ms: elapsed(started),
            error: Some(describe(&err)),
        },
    }
}

/// A request error as one line: what failed, with its causes.
fn describe(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = what.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(MAX_ERROR).collect()
}
