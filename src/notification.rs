//! Receiving notifications at a webhook's target URL: checking the signature and the
//! credentials, and reading the event.
//!
//! A receiver checks a request in this order:
//!
//! 1. [`verify_authorization`] when the webhook has credentials, against the `Authorization`
//!    header.
//! 2. The `x-visier-signature` header against the raw body bytes, with [`verify_signature`] or
//!    a [`Verifier`] (feature `verify`, on by default).
//! 3. [`Notification::parse`] on the same bytes, then [`Notification::kind`],
//!    [`Notification::job_event`] or [`Notification::alert`].
//!
//! [`verify_and_parse`] does steps 2 and 3 in one call.
//!
//! Visier expects a response within 3 to 5 seconds and retries a notification that gets none,
//! up to 3 times, so a receiver should respond before doing slow work.

mod authorization;
mod encoding;
mod event;
#[cfg(feature = "verify")]
mod signature;

pub use authorization::{verify_authorization, AuthError, ExpectedAuth};
pub use event::{normalize_event_type, AlertEvent, JobEvent, Notification, ParseError};
#[cfg(feature = "verify")]
pub use signature::{verify_and_parse, verify_signature, SignatureProblem, Verifier, VerifyError};

/// Name of the header that carries the signature of a notification.
pub const SIGNATURE_HEADER: &str = "x-visier-signature";

/// Name of the header that carries the webhook's credentials, when it has any.
pub const AUTHORIZATION_HEADER: &str = "authorization";

/// Error of [`verify_and_parse`] and [`Verifier::verify_and_parse`].
#[cfg(feature = "verify")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The signature check failed, so the body was not parsed.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The signature is valid but the body is not a notification.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// A header that must appear at most once appeared several times.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct RepeatedHeader {
    /// Length in bytes of the first value.
    pub(crate) length: usize,
}

/// Finds the value of the header `name` (lowercase) among `headers`, matching names
/// case-insensitively.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub(crate) fn find_single_header<I, N, V>(
    headers: I,
    name: &str,
) -> Result<Option<V>, RepeatedHeader>
where
    I: IntoIterator<Item = (N, V)>,
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut found: Option<V> = None;
    for (header_name, value) in headers {
        if !header_name.as_ref().eq_ignore_ascii_case(name.as_bytes()) {
            continue;
        }
        if let Some(first) = &found {
            return Err(RepeatedHeader {
                length: first.as_ref().len(),
            });
        }
        found = Some(value);
    }
    Ok(found)
}

/// Removes HTTP optional whitespace (spaces and tabs) from both ends of a header value.
pub(crate) fn trim_ows(value: &[u8]) -> &[u8] {
    let is_ows = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let start = value
        .iter()
        .position(|byte| !is_ows(byte))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|byte| !is_ows(byte))
        .map_or(start, |last| last + 1);
    &value[start..end]
}
