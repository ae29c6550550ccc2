//! Verification of the `Authorization` header that Visier sends when a webhook has
//! credentials.

use super::encoding::{constant_time_eq, decode_base64};
use super::trim_ows;
use crate::secret::Secret;

/// Credentials that the receiver expects in the `Authorization` header: the ones configured on
/// the webhook.
///
/// `Debug` output redacts the password and the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectedAuth {
    /// HTTP Basic authentication (`Authorization: Basic base64(username:password)`).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// Bearer token (`Authorization: Bearer <token>`).
    Bearer(Secret),
}

impl ExpectedAuth {
    /// Creates expected Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> ExpectedAuth {
        ExpectedAuth::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Creates an expected bearer token.
    pub fn bearer(token: impl Into<Secret>) -> ExpectedAuth {
        ExpectedAuth::Bearer(token.into())
    }

    /// Returns the authentication scheme as HTTP spells it.
    pub fn scheme(&self) -> &'static str {
        match self {
            ExpectedAuth::Basic { .. } => "Basic",
            ExpectedAuth::Bearer(_) => "Bearer",
        }
    }
}

/// Error of an `Authorization` check. The messages contain no credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request has no `Authorization` header.
    #[error("missing authorization: the request has no Authorization header")]
    Missing,
    /// The header is not `<scheme> <credentials>` with credentials that the scheme allows.
    #[error("malformed authorization: the Authorization header {reason}")]
    Malformed {
        /// Problem found in the header value.
        reason: &'static str,
    },
    /// The header uses another authentication scheme than the expected one.
    #[error("unexpected authorization scheme: expected {expected}")]
    UnexpectedScheme {
        /// Scheme that was expected: `Basic` or `Bearer`.
        expected: &'static str,
    },
    /// The credentials differ from the expected ones.
    #[error("invalid authorization: the credentials do not match the expected ones")]
    Mismatch,
}

/// Verifies the `Authorization` header of a notification against the expected credentials.
///
/// `header` is the header's value, or `None` when the request has none. The scheme name is
/// matched case-insensitively, as HTTP requires, and spaces and tabs around the value are
/// ignored. Basic credentials must be standard base64 with `=` padding and decode to exactly
/// `username:password`. The credentials are compared without stopping at the first differing
/// byte, so the time taken does not show how much of a guess was right.
///
/// # Errors
///
/// [`AuthError::Missing`] for `None`, [`AuthError::Malformed`] for a value that is not
/// `<scheme> <credentials>`, [`AuthError::UnexpectedScheme`] for another scheme, and
/// [`AuthError::Mismatch`] for other credentials.
pub fn verify_authorization(
    header: Option<&[u8]>,
    expected: &ExpectedAuth,
) -> Result<(), AuthError> {
    let value = trim_ows(header.ok_or(AuthError::Missing)?);
    if value.is_empty() {
        return Err(AuthError::Malformed { reason: "is empty" });
    }
    let separator = value
        .iter()
        .position(|&byte| byte == b' ')
        .ok_or(AuthError::Malformed {
            reason: "has no space between the scheme and the credentials",
        })?;
    let scheme = &value[..separator];
    let credentials = trim_ows(&value[separator + 1..]);
    if !scheme.eq_ignore_ascii_case(expected.scheme().as_bytes()) {
        return Err(AuthError::UnexpectedScheme {
            expected: expected.scheme(),
        });
    }
    if credentials.is_empty() {
        return Err(AuthError::Malformed {
            reason: "has no credentials after the scheme",
        });
    }
    if credentials.iter().any(|byte| byte.is_ascii_whitespace()) {
        return Err(AuthError::Malformed {
            reason: "contains whitespace inside the credentials",
        });
    }

    let matches = match expected {
        ExpectedAuth::Basic { username, password } => {
            let decoded = decode_base64(credentials).map_err(|_| AuthError::Malformed {
                reason: "has Basic credentials that are not standard base64 with `=` padding",
            })?;
            let mut expected_pair =
                Vec::with_capacity(username.len() + 1 + password.expose().len());
            expected_pair.extend_from_slice(username.as_bytes());
            expected_pair.push(b':');
            expected_pair.extend_from_slice(password.expose().as_bytes());
            constant_time_eq(&decoded, &expected_pair)
        }
        ExpectedAuth::Bearer(token) => constant_time_eq(credentials, token.expose().as_bytes()),
    };
    if matches {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}
