//! Failures of a command, their exit statuses, and how they are reported on stderr.

use serde_json::{json, Map, Value};
use visier_webhooks::Error;

/// Kind of failure, which fixes the exit status. The numbers never change meaning; the list
/// is repeated in the `--help` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything not listed below, such as a failed write to stdout.
    Other,
    /// Invalid arguments, input or configuration. Clap exits with the same status for
    /// command-line syntax errors.
    Usage,
    /// HTTP 404.
    NotFound,
    /// HTTP 401 or 403.
    Unauthorized,
    /// HTTP 429.
    RateLimited,
    /// Connection failure, timeout or TLS failure.
    Network,
    /// Any other HTTP error status, a redirect, or a response that is not the expected JSON.
    Api,
    /// A request that is not repeated may have been applied by the server.
    OutcomeUnknown,
    /// `verify` found a missing, malformed or wrong signature.
    InvalidSignature,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Other => 1,
            Kind::Usage => 2,
            Kind::NotFound => 3,
            Kind::Unauthorized => 4,
            Kind::RateLimited => 5,
            Kind::Network => 6,
            Kind::Api => 7,
            Kind::OutcomeUnknown => 8,
            Kind::InvalidSignature => 9,
        }
    }

    /// Returns the name used in JSON error output.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Other => "other",
            Kind::Usage => "usage",
            Kind::NotFound => "not_found",
            Kind::Unauthorized => "unauthorized",
            Kind::RateLimited => "rate_limited",
            Kind::Network => "network",
            Kind::Api => "api",
            Kind::OutcomeUnknown => "outcome_unknown",
            Kind::InvalidSignature => "invalid_signature",
        }
    }
}

/// A failed command: its kind, a message without secrets, and the API's error details when
/// the server responded with an error status.
#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub rci: Option<String>,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            status: None,
            code: None,
            rci: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Kind::Usage, message)
    }

    /// Builds the failure for a server response that is not the JSON expected.
    pub fn invalid_response(message: impl Into<String>) -> Failure {
        Failure::new(Kind::Api, message)
    }

    /// Writes the failure to stderr: one `error: ...` line, or one JSON object when `as_json`.
    pub fn report(&self, as_json: bool) {
        if as_json {
            eprintln!("{}", self.to_json());
        } else {
            eprintln!("error: {}", one_line(&self.message));
        }
    }

    fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("kind".into(), json!(self.kind.name()));
        error.insert("exitCode".into(), json!(self.kind.exit_code()));
        error.insert("message".into(), json!(self.message));
        if let Some(status) = self.status {
            error.insert("status".into(), json!(status));
        }
        if let Some(code) = &self.code {
            error.insert("code".into(), json!(code));
        }
        if let Some(rci) = &self.rci {
            error.insert("rci".into(), json!(rci));
        }
        json!({ "error": error })
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        let kind = kind_of(&error);
        let mut failure = Failure::new(kind, error.to_string());
        if let Some(api) = error.api_error() {
            failure.status = Some(api.status);
            failure.code = api.code.clone();
            failure.rci = api.rci.clone();
        }
        failure
    }
}

fn kind_of(error: &Error) -> Kind {
    match error {
        Error::Config(_) | Error::InvalidInput(_) => Kind::Usage,
        Error::Api(api) => match api.status {
            404 => Kind::NotFound,
            401 | 403 => Kind::Unauthorized,
            429 => Kind::RateLimited,
            _ => Kind::Api,
        },
        Error::Timeout { .. } | Error::Connection { .. } | Error::Tls(_) => Kind::Network,
        Error::ResponseTooLarge { .. } | Error::Decode { .. } | Error::Redirect { .. } => Kind::Api,
        Error::OutcomeUnknown { .. } => Kind::OutcomeUnknown,
        _ => Kind::Other,
    }
}

/// Returns the message of a clap error on one line, without clap's `error: ` prefix, usage
/// and help hint. A list that clap puts on the following lines, such as the missing
/// arguments, is joined to the first line.
pub fn clap_message(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    if error.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // For this kind clap renders the whole help of the command, so only its usage line is kept.
        let usage = rendered
            .lines()
            .find_map(|line| line.strip_prefix("Usage: "))
            .unwrap_or("see --help");
        return one_line(&format!(
            "a required subcommand or argument is missing (usage: {usage})"
        ));
    }
    let first_paragraph = rendered.split("\n\n").next().unwrap_or_default();
    let joined = first_paragraph
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let message = joined.strip_prefix("error: ").unwrap_or(&joined);
    one_line(message)
}

/// Replaces control characters (line breaks included) with spaces, so that a message from the
/// server stays on one line and cannot send terminal escape sequences.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct() {
        let kinds = [
            Kind::Other,
            Kind::Usage,
            Kind::NotFound,
            Kind::Unauthorized,
            Kind::RateLimited,
            Kind::Network,
            Kind::Api,
            Kind::OutcomeUnknown,
            Kind::InvalidSignature,
        ];
        let codes: Vec<u8> = kinds.iter().map(|kind| kind.exit_code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn one_line_removes_line_breaks_and_escapes() {
        assert_eq!(one_line("a\nb\r\x1b[31mc"), "a b  [31mc");
    }

    #[test]
    fn config_error_is_usage() {
        let failure = Failure::from(Error::Config("missing VISIER_APIKEY".into()));
        assert_eq!(failure.kind, Kind::Usage);
        assert!(failure.message.contains("VISIER_APIKEY"));
    }
}
