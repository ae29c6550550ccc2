//! The error type of every operation.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// Result of a client operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Error of a client operation.
///
/// Messages are lowercase, start with what failed and name the value involved. They never
/// contain an API key, password, token or key value.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration setting is missing, contradictory or invalid. The message names the
    /// setting or environment variable and how to fix it.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// An argument was rejected before any request was sent, such as an empty webhook id or a
    /// body that could not be serialized.
    #[error("invalid argument: {0}")]
    InvalidInput(String),

    /// The server responded with an HTTP error status. The error keeps Visier's error body.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// A connect timeout or the overall request timeout elapsed.
    #[error("request timed out: {method} {path} got no complete response within {timeout:?}")]
    Timeout {
        /// HTTP method of the request.
        method: &'static str,
        /// Path of the request, without the host.
        path: String,
        /// The timeout that elapsed.
        timeout: Duration,
    },

    /// The connection could not be made or broke before a response arrived.
    #[error("connection failed: {method} {path}: {detail}")]
    Connection {
        /// HTTP method of the request.
        method: &'static str,
        /// Path of the request, without the host.
        path: String,
        /// The transport's description of the failure.
        detail: String,
    },

    /// TLS failed: the certificate did not verify, or the handshake failed.
    #[error("tls failed: {0}")]
    Tls(String),

    /// The response body was larger than the configured limit. The body was not read past the
    /// limit.
    #[error(
        "response too large: {method} {path} returned more than {limit} bytes; \
         raise ClientBuilder::max_response_bytes if this is expected"
    )]
    ResponseTooLarge {
        /// HTTP method of the request.
        method: &'static str,
        /// Path of the request, without the host.
        path: String,
        /// The limit, in bytes.
        limit: u64,
    },

    /// The server responded 2xx with a body that is not the expected JSON.
    #[error("invalid response: {method} {path}: {detail}")]
    Decode {
        /// HTTP method of the request.
        method: &'static str,
        /// Path of the request, without the host.
        path: String,
        /// The parser's description of the problem.
        detail: String,
        /// The first bytes of the body, as text (lossy), at most 512 bytes.
        body_excerpt: String,
    },

    /// The server responded with a redirect, which the client does not follow so that
    /// credentials never go to another URL.
    #[error(
        "redirect refused: {method} {path} was redirected with status {status} {}; \
         configure the final URL as the host instead",
        location.as_deref().map_or("without a Location header".to_owned(), |to| format!("to {to}"))
    )]
    Redirect {
        /// HTTP method of the request.
        method: &'static str,
        /// Path of the request, without the host.
        path: String,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, when present.
        location: Option<String>,
    },

    /// The request may have been applied by the server, but the client cannot tell. A request
    /// that must not be sent twice (a create, a test event, a key generation) gives this when
    /// it fails after it may have reached the server, because it is not repeated. A DELETE
    /// gives it when it is repeated after such a failure and the repeat gets 404, because the
    /// first attempt may have deleted the resource. Check the server's state (for example list the
    /// webhooks) before trying again.
    #[error(
        "outcome unknown: {method} {path} may have been applied by the server; check the \
         server's state before trying again: {source}"
    )]
    OutcomeUnknown {
        /// HTTP method of the request.
        method: &'static str,
        /// Path of the request, without the host.
        path: String,
        /// The failure that left the outcome unknown.
        source: Box<Error>,
    },
}

impl Error {
    /// Returns the HTTP status of an [`Error::Api`], or of the error inside an
    /// [`Error::OutcomeUnknown`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::OutcomeUnknown { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Returns Visier's error details when the server responded with an error status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::OutcomeUnknown { source, .. } => source.api_error(),
            _ => None,
        }
    }

    /// Returns `true` when the server responded 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Returns `true` for a timeout, including one whose outcome is unknown.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::OutcomeUnknown { source, .. } => source.is_timeout(),
            _ => false,
        }
    }
}

/// An HTTP error response and Visier's error body.
///
/// Visier's error body (`Status` in its specs) has `code`, `localizedMessage`, `message`, `rci`
/// and `userError`. Older Visier APIs used other shapes, so each field is optional and the raw
/// body is kept as text.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP method of the request.
    pub method: &'static str,
    /// Path of the request, without the host.
    pub path: String,
    /// HTTP status.
    pub status: u16,
    /// Visier's error classification, such as `InvalidParam`.
    pub code: Option<String>,
    /// Visier's description of the root cause.
    pub localized_message: Option<String>,
    /// Visier's `message` field, documented as unused.
    pub message: Option<String>,
    /// Visier's root-cause identifier, to quote to Visier support.
    pub rci: Option<String>,
    /// Whether Visier considers this a user error.
    pub user_error: Option<bool>,
    /// The body as received (lossy UTF-8), at most 64 KiB.
    pub body: String,
    /// The `Retry-After` delay of a 429 or 503 response, when the server sent one.
    pub retry_after: Option<Duration>,
}

/// Maximum error body kept in [`ApiError::body`].
const MAX_KEPT_ERROR_BODY: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    code: Option<String>,
    localized_message: Option<String>,
    message: Option<String>,
    rci: Option<String>,
    user_error: Option<bool>,
}

impl ApiError {
    /// Parses an error response, leniently: a body that is not Visier's `Status` JSON is kept as
    /// text only.
    pub(crate) fn from_response(
        method: &'static str,
        path: String,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> ApiError {
        let parsed: Option<StatusBody> = serde_json::from_slice(body).ok();
        let kept = &body[..body.len().min(MAX_KEPT_ERROR_BODY)];
        let mut error = ApiError {
            method,
            path,
            status,
            code: None,
            localized_message: None,
            message: None,
            rci: None,
            user_error: None,
            body: String::from_utf8_lossy(kept).into_owned(),
            retry_after,
        };
        if let Some(parsed) = parsed {
            error.code = parsed.code;
            error.localized_message = parsed.localized_message;
            error.message = parsed.message;
            error.rci = parsed.rci;
            error.user_error = parsed.user_error;
        }
        error
    }

    /// Returns the most useful description the server gave: `localizedMessage`, else
    /// `message`, else the raw body.
    pub fn description(&self) -> &str {
        self.localized_message
            .as_deref()
            .filter(|text| !text.is_empty())
            .or(self.message.as_deref().filter(|text| !text.is_empty()))
            .unwrap_or(self.body.trim())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "visier api error: {} {} returned {}",
            self.method, self.path, self.status
        )?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        let description = self.description();
        if !description.is_empty() {
            let shown: String = description.chars().take(500).collect();
            write!(f, ": {shown}")?;
        }
        if let Some(rci) = &self.rci {
            write!(f, " (rci {rci})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("localized_message", &self.localized_message)
            .field("rci", &self.rci)
            .field("user_error", &self.user_error)
            .field("body_len", &self.body.len())
            .field("retry_after", &self.retry_after)
            .finish()
    }
}
