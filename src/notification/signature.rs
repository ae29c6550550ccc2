//! Verification of the `x-visier-signature` header of a notification.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::encoding::{decode_base64, decode_hex};
use super::{find_single_header, trim_ows, ReceiveError, RepeatedHeader, SIGNATURE_HEADER};
use crate::notification::Notification;
use crate::secret::Secret;

/// Length of a hexadecimal HMAC-SHA256 signature: 32 bytes, two digits each.
const HEX_SIGNATURE_LENGTH: usize = 64;
/// Length of a base64 HMAC-SHA256 signature: 32 bytes in 43 characters and one `=`.
const BASE64_SIGNATURE_LENGTH: usize = 44;

/// Error of a signature check. The messages contain neither the key nor the signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request has no `x-visier-signature` header.
    #[error("missing signature: the request has no x-visier-signature header")]
    MissingSignature,
    /// The header is present but is not a bare HMAC-SHA256 digest in hexadecimal or base64.
    #[error("malformed signature: the x-visier-signature header ({length} bytes) {problem}")]
    MalformedSignature {
        /// Problem found in the header value.
        problem: SignatureProblem,
        /// Length of the header value in bytes, before trimming.
        length: usize,
    },
    /// The signature is well formed but does not match the body and the key.
    #[error("invalid signature: x-visier-signature does not match the body and the key")]
    InvalidSignature,
    /// The key value is empty.
    #[error("invalid key: the key value is empty")]
    InvalidKey,
}

/// Problem found in a malformed `x-visier-signature` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureProblem {
    /// The value is empty or contains only spaces and tabs.
    Empty,
    /// The value contains whitespace between other characters, or a CR or LF at either end.
    Whitespace,
    /// The value has a prefix or parameters, such as `sha256=` or `t=...,`.
    Prefix,
    /// The value is neither 64 nor 44 characters long, as a truncated signature is.
    Length,
    /// The value is 64 characters long but not hexadecimal digits of one case.
    InvalidHex,
    /// The value is 44 characters long but not canonical base64 with `=` padding.
    InvalidBase64,
    /// The header appears more than once.
    Repeated,
}

impl fmt::Display for SignatureProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            SignatureProblem::Empty => "is empty",
            SignatureProblem::Whitespace => "contains whitespace inside the value",
            SignatureProblem::Prefix => {
                "has a prefix or parameters such as `sha256=`; expected the bare digest"
            }
            SignatureProblem::Length => {
                "has the wrong length; expected 64 hexadecimal digits or 44 base64 characters"
            }
            SignatureProblem::InvalidHex => {
                "is not 64 hexadecimal digits, all lowercase or all uppercase"
            }
            SignatureProblem::InvalidBase64 => {
                "is not 44 characters of standard base64 with `=` padding"
            }
            SignatureProblem::Repeated => "appears more than once",
        };
        f.write_str(text)
    }
}

/// Verifies the `x-visier-signature` header of a notification against its raw body.
///
/// `signature_header` is the header's value, or `None` when the request has none. `body` must
/// be the body bytes exactly as received, before any JSON parsing. `key` is the value of the
/// encryption key named by the webhook's `keyName`, as the key generation call returned it,
/// for example `generated.key.expose().as_bytes()`.
///
/// # Signature scheme
///
/// NOTE: Visier documents only that the header is "an HMAC signature generated from" the
/// webhook's key. What is signed, the encoding and the key bytes are this project's reading,
/// chosen here and in `decode_signature` below:
///
/// - The signature is HMAC-SHA256 over the raw body bytes.
/// - The HMAC key is the UTF-8 bytes of the key value string exactly as returned, not a
///   base64 or hexadecimal decoding of it.
/// - The header value is the 32-byte digest as 64 hexadecimal digits (all lowercase or all
///   uppercase) or as 44 characters of standard base64 with `=` padding.
/// - Spaces and tabs around the value are ignored, as HTTP strips them. Nothing else is
///   accepted: no truncated digest, no prefix such as `sha256=`, no whitespace inside.
///
/// The digests are compared in constant time. The emulator of this workspace
/// (`visier-webhooks-emulator`) signs the same way, in lowercase hexadecimal.
///
/// # Errors
///
/// [`VerifyError::InvalidKey`] for an empty key, [`VerifyError::MissingSignature`] for `None`,
/// [`VerifyError::MalformedSignature`] for a value outside the scheme above, and
/// [`VerifyError::InvalidSignature`] when the digest does not match.
pub fn verify_signature(
    body: &[u8],
    signature_header: Option<&[u8]>,
    key: &[u8],
) -> Result<(), VerifyError> {
    if key.is_empty() {
        return Err(VerifyError::InvalidKey);
    }
    let header = signature_header.ok_or(VerifyError::MissingSignature)?;
    let digest = decode_signature(header).map_err(|problem| VerifyError::MalformedSignature {
        problem,
        length: header.len(),
    })?;

    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| VerifyError::InvalidKey)?;
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&digest)
        .map_err(|_| VerifyError::InvalidSignature)
}

/// Decodes the header value into the 32 digest bytes.
// NOTE: the accepted encodings are a reading of Visier's documentation, which does not name
// one; see `verify_signature`.
fn decode_signature(header: &[u8]) -> Result<Vec<u8>, SignatureProblem> {
    let value = trim_ows(header);
    if value.is_empty() {
        return Err(SignatureProblem::Empty);
    }
    if value.iter().any(|byte| byte.is_ascii_whitespace()) {
        return Err(SignatureProblem::Whitespace);
    }
    if has_prefix_or_parameters(value) {
        return Err(SignatureProblem::Prefix);
    }

    match value.len() {
        HEX_SIGNATURE_LENGTH => decode_hex(value).map_err(|_| SignatureProblem::InvalidHex),
        BASE64_SIGNATURE_LENGTH => {
            decode_base64(value).map_err(|_| SignatureProblem::InvalidBase64)
        }
        _ => Err(SignatureProblem::Length),
    }
}

/// Returns `true` when the value contains `:` or `,`, or a `=` that is not trailing padding.
fn has_prefix_or_parameters(value: &[u8]) -> bool {
    let padding = value.iter().rev().take_while(|&&byte| byte == b'=').count();
    let before_padding = &value[..value.len() - padding];
    before_padding
        .iter()
        .any(|&byte| byte == b'=' || byte == b':' || byte == b',')
}

/// Key of a webhook, kept to verify the notifications that it signs.
///
/// `Debug` output redacts the key.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: Secret,
}

impl Verifier {
    /// Creates a verifier for the value of the webhook's encryption key, as the key generation
    /// call returned it.
    ///
    /// # Errors
    ///
    /// [`VerifyError::InvalidKey`] when the key value is empty.
    pub fn new(key: impl Into<Secret>) -> Result<Verifier, VerifyError> {
        let key = key.into();
        if key.is_empty() {
            return Err(VerifyError::InvalidKey);
        }
        Ok(Verifier { key })
    }

    /// Verifies the signature of a notification, finding `x-visier-signature` among `headers`
    /// by a case-insensitive name.
    ///
    /// `headers` is any sequence of (name, value) pairs, such as `(&str, &str)`, `(String,
    /// Vec<u8>)` or the pairs of an `http::HeaderMap`. The scheme is that of
    /// [`verify_signature`].
    ///
    /// # Errors
    ///
    /// Those of [`verify_signature`], and [`VerifyError::MalformedSignature`] with
    /// [`SignatureProblem::Repeated`] when the header appears more than once.
    pub fn verify<I, N, V>(&self, headers: I, body: &[u8]) -> Result<(), VerifyError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        verify_signature_headers(headers, body, self.key.expose().as_bytes())
    }

    /// Verifies the signature of a notification, then parses its body.
    ///
    /// # Errors
    ///
    /// [`ReceiveError::Verify`] when the signature is missing, malformed or wrong, in which
    /// case the body is not parsed, and [`ReceiveError::Parse`] when the body is not a
    /// notification.
    pub fn verify_and_parse<I, N, V>(
        &self,
        headers: I,
        body: &[u8],
    ) -> Result<Notification, ReceiveError>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        self.verify(headers, body)?;
        Ok(Notification::parse(body)?)
    }
}

/// Verifies the signature of a notification with `key`, then parses its body.
///
/// This is [`Verifier::verify_and_parse`] for a single call; see [`verify_signature`] for the
/// signature scheme.
///
/// # Errors
///
/// [`ReceiveError::Verify`] for an empty key or a missing, malformed, repeated or wrong
/// signature, in which case the body is not parsed, and [`ReceiveError::Parse`] when the body
/// is not a notification.
pub fn verify_and_parse<I, N, V>(
    headers: I,
    body: &[u8],
    key: &[u8],
) -> Result<Notification, ReceiveError>
where
    I: IntoIterator<Item = (N, V)>,
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    verify_signature_headers(headers, body, key)?;
    Ok(Notification::parse(body)?)
}

/// Finds the only `x-visier-signature` among `headers` and verifies it.
fn verify_signature_headers<I, N, V>(headers: I, body: &[u8], key: &[u8]) -> Result<(), VerifyError>
where
    I: IntoIterator<Item = (N, V)>,
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    if key.is_empty() {
        return Err(VerifyError::InvalidKey);
    }
    let header =
        find_single_header(headers, SIGNATURE_HEADER).map_err(|RepeatedHeader { length }| {
            VerifyError::MalformedSignature {
                problem: SignatureProblem::Repeated,
                length,
            }
        })?;
    verify_signature(body, header.as_ref().map(AsRef::as_ref), key)
}
