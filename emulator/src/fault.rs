//! Injected faults: responses that replace the emulator's normal handling of matching requests.

use std::time::Duration;

use serde_json::Value;

/// Maximum `delayMs` of a delay fault injected over HTTP, so that a fault cannot hold a
/// connection open for hours.
const MAX_DELAY_MS: u64 = 60_000;

/// A fault applied to the next `count` requests that match `method` and `path`.
///
/// Faults never apply to the control endpoints under `/__emulator/`. When several faults
/// match a request, the one injected first applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// HTTP method to match, case-insensitively; `None` matches every method.
    pub method: Option<String>,
    /// Prefix of the raw request path (as sent, percent-encoding kept, query excluded).
    pub path: String,
    /// How many matching requests the fault applies to; 0 applies it to every matching request
    /// until [`Emulator::reset`](crate::Emulator::reset).
    pub count: u32,
    pub action: FaultAction,
}

/// Action the emulator takes on a request that a [`Fault`] matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Responds `status` with the rate-limit headers, `Retry-After` when given, and `body`
    /// (sent as JSON) or else a Status body.
    Status {
        status: u16,
        retry_after: Option<String>,
        body: Option<String>,
    },
    /// Waits, then handles the request normally. `POST /__emulator/faults` accepts at most
    /// 60 s; [`Emulator::inject_fault`](crate::Emulator::inject_fault) accepts any duration.
    Delay(Duration),
    /// Reads the request, then closes the connection without a response.
    Close,
    /// Responds 200 with a `Content-Type: application/json` body that is not JSON.
    Malformed,
    /// Responds 200 and streams `bytes` bytes of JSON-looking filler with a matching
    /// `Content-Length`; `u64::MAX` streams without a length until the client closes.
    Oversized { bytes: u64 },
}

impl Fault {
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path)
    }

    /// Builds a fault from the JSON body of `POST /__emulator/faults`.
    pub(crate) fn from_json(value: &Value) -> Result<Fault, String> {
        let object = value.as_object().ok_or("fault must be a JSON object")?;
        let text = |name: &str| -> Result<Option<String>, String> {
            match object.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("fault field {name} must be a string")),
            }
        };
        let number = |name: &str| -> Result<Option<u64>, String> {
            match object.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("fault field {name} must be a non-negative integer")),
            }
        };
        let path = text("path")?.ok_or("fault field path is missing")?;
        if !path.starts_with('/') {
            return Err("fault field path must start with /".to_owned());
        }
        let count = number("count")?.unwrap_or(1);
        let count = u32::try_from(count).map_err(|_| "fault field count is too large")?;
        let action_name = text("action")?.ok_or("fault field action is missing")?;
        let action = match action_name.as_str() {
            "status" => {
                let status = number("status")?.ok_or("fault field status is missing")?;
                if !(100..=599).contains(&status) {
                    return Err("fault field status must be between 100 and 599".to_owned());
                }
                let retry_after = text("retryAfter")?;
                // The value is sent as a header, so CR or LF in it would inject headers.
                if retry_after
                    .as_deref()
                    .is_some_and(|value| value.chars().any(char::is_control))
                {
                    return Err(
                        "fault field retryAfter must not contain control characters such as CR or LF"
                            .to_owned(),
                    );
                }
                FaultAction::Status {
                    status: status as u16,
                    retry_after,
                    body: text("body")?,
                }
            }
            "delay" => {
                let delay_ms = number("delayMs")?.ok_or("fault field delayMs is missing")?;
                if delay_ms > MAX_DELAY_MS {
                    return Err(format!(
                        "fault field delayMs must be at most {MAX_DELAY_MS} (60 s), not {delay_ms}"
                    ));
                }
                FaultAction::Delay(Duration::from_millis(delay_ms))
            }
            "close" => FaultAction::Close,
            "malformed" => FaultAction::Malformed,
            "oversized" => FaultAction::Oversized {
                bytes: number("bytes")?.unwrap_or(u64::MAX),
            },
            other => {
                return Err(format!(
                    "unknown fault action {other:?}; expected status, delay, close, malformed or oversized"
                ))
            }
        };
        Ok(Fault {
            method: text("method")?,
            path,
            count,
            action,
        })
    }
}
