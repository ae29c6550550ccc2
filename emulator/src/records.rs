//! Records of received requests and of notification attempts.

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::util::epoch_ms;

/// One request received by the emulator (control requests under `/__emulator/` excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The raw request target as sent, percent-encoding and query kept, except that the values
    /// of secret query parameters (such as `password`) are replaced by `***`.
    pub target: String,
    /// Headers in the order sent; values of `apikey`, `Authorization`, `Cookie` and similar
    /// headers are masked.
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
    /// Status sent, or 0 when the connection was closed without a response.
    pub status: u16,
    pub at: SystemTime,
}

/// One attempt to deliver a notification to a webhook's target URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub webhook_id: String,
    pub target_url: String,
    pub event_id: String,
    /// The event type the notification was triggered for, as registered on webhooks
    /// (`alertNotification`, even though the envelope contains `ALERT_NOTIFICATION`).
    pub event_type: String,
    /// 1 for the first attempt, 2 for the first retry, and so on.
    pub attempt: u32,
    /// Request headers exactly as sent, `Authorization` included; empty when nothing was sent.
    pub headers: Vec<(String, String)>,
    /// Request body exactly as sent (or as it would have been sent).
    pub body: Vec<u8>,
    /// Status the receiver returned, or `None` when there was no response.
    pub status: Option<u16>,
    /// Reason the attempt failed without a status, or was not made.
    pub error: Option<String>,
    pub at: SystemTime,
}

impl Delivery {
    /// Returns true when the receiver responded with a 2xx status.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn headers_json(headers: &[(String, String)], mask_authorization: bool) -> Value {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if mask_authorization && name.eq_ignore_ascii_case("authorization") {
                mask_header_value(name, value)
            } else {
                value.clone()
            };
            json!({ "name": name, "value": value })
        })
        .collect()
}

impl RequestRecord {
    /// Returns the JSON form used by `GET /__emulator/requests`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "target": self.target,
            "headers": headers_json(&self.headers, false),
            "bodyLen": self.body_len,
            "status": self.status,
            "at": epoch_ms(self.at),
        })
    }
}

impl Delivery {
    /// Returns the JSON form used over HTTP, with `Authorization` masked and the body as lossy
    /// UTF-8.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "webhookId": self.webhook_id,
            "targetUrl": self.target_url,
            "eventId": self.event_id,
            "eventType": self.event_type,
            "attempt": self.attempt,
            "headers": headers_json(&self.headers, true),
            "body": String::from_utf8_lossy(&self.body),
            "status": self.status,
            "error": self.error,
            "at": epoch_ms(self.at),
        })
    }
}

/// Returns true for headers whose values are credentials.
pub(crate) fn is_secret_header(name: &str) -> bool {
    [
        "apikey",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
    ]
    .iter()
    .any(|secret| name.eq_ignore_ascii_case(secret))
}

/// Masks a header value when the header carries a credential: the scheme of `Authorization`
/// and the cookie names of `Cookie` stay visible.
pub(crate) fn mask_header_value(name: &str, value: &str) -> String {
    if !is_secret_header(name) {
        return value.to_owned();
    }
    if name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization")
    {
        return match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} ***"),
            None => "***".to_owned(),
        };
    }
    if name.eq_ignore_ascii_case("cookie") {
        return value
            .split(';')
            .map(|pair| match pair.trim().split_once('=') {
                Some((cookie, _)) => format!("{cookie}=***"),
                None => "***".to_owned(),
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    "***".to_owned()
}

const SECRET_PARAMS: [&str; 10] = [
    "password",
    "client_secret",
    "apikey",
    "api_key",
    "access_token",
    "refresh_token",
    "id_token",
    "asid_token",
    "assertion",
    "code",
];

/// Replaces the values of secret query parameters in a request target with `***`.
pub(crate) fn mask_target(target: &str) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_owned();
    };
    let is_secret = |name: &str| SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s));
    if !query
        .split('&')
        .any(|pair| is_secret(pair.split('=').next().unwrap_or("")))
    {
        return target.to_owned();
    }
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", masked.join("&"))
}
