//! Checks of a received notification from C: the `x-visier-signature` header, the
//! `Authorization` header, and the event JSON. None of them needs a client handle.

use std::ffi::c_char;

use serde_json::{Map, Value};

use super::boundary::{self, Failure};
use super::result::vw_result;
use crate::notification::{verify_authorization, AuthError, ExpectedAuth};
#[cfg(feature = "verify")]
use crate::notification::{verify_signature, Notification, VerifyError};

/// Maximum length of a header value, in bytes: 16 KiB. By default Apache httpd
/// (`LimitRequestFieldSize 8190`) and nginx (`large_client_header_buffers 4 8k`) reject longer
/// header fields, so a longer value did not pass through either of them.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// A header value longer than [`MAX_HEADER_BYTES`].
struct HeaderTooLong;

/// Reads an optional header value as bytes, where NULL means that the request has none. The
/// bytes need not be UTF-8: the checks of the core reject what they do not accept.
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for
/// `'a`.
unsafe fn read_header<'a>(ptr: *const c_char) -> Result<Option<&'a [u8]>, HeaderTooLong> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: ptr is not NULL (checked above); the rest is forwarded from this function's
    // contract.
    match unsafe { boundary::c_string_bytes(ptr, MAX_HEADER_BYTES) } {
        Some(bytes) => Ok(Some(bytes)),
        None => Err(HeaderTooLong),
    }
}

/// Returns the failure of a signature check. The core's messages contain neither the key nor
/// the signature.
#[cfg(feature = "verify")]
fn signature_failure(error: VerifyError) -> Failure {
    let result = match error {
        VerifyError::InvalidSignature => vw_result::VW_ERROR_SIGNATURE_INVALID,
        VerifyError::MissingSignature => vw_result::VW_ERROR_SIGNATURE_MISSING,
        VerifyError::MalformedSignature { .. } => vw_result::VW_ERROR_SIGNATURE_MALFORMED,
        VerifyError::InvalidKey => vw_result::VW_ERROR_KEY_INVALID,
    };
    Failure::new(result, error.to_string())
}

/// Returns the failure of an `Authorization` check. The core's messages contain no
/// credentials.
fn authorization_failure(error: AuthError) -> Failure {
    let result = match error {
        AuthError::Missing => vw_result::VW_ERROR_AUTHORIZATION_MISSING,
        AuthError::Malformed { .. } => vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
        AuthError::UnexpectedScheme { .. } | AuthError::Mismatch => {
            vw_result::VW_ERROR_AUTHORIZATION_INVALID
        }
    };
    Failure::new(result, error.to_string())
}

/// Verifies the signature of a notification and returns its event JSON.
///
/// `body` and `body_len` give the request body exactly as received, before any
/// parsing. The body may contain NUL bytes and needs no terminator. NULL is
/// accepted when `body_len` is 0. `signature_header` is the NUL-terminated
/// value of the `x-visier-signature` header, or NULL when the request has none.
/// `key` and `key_len` give the value of the encryption key that the webhook's
/// `keyName` names, as `vw_generate_key` returned it in `"key"`, without a
/// terminator. No argument is kept after the call.
///
/// The signature is HMAC-SHA256 over the body bytes, keyed with the bytes of
/// the key value, and sent as 64 hexadecimal digits (all lowercase or all
/// uppercase) or as 44 characters of standard base64 with padding. Visier
/// does not document the scheme, so this is the library's interpretation, and
/// the project's emulator (`visier-webhooks-emulator`) signs the same way.
/// Spaces and tabs around the header value are ignored. The digests are
/// compared in constant time.
///
/// On success, `*json_out` receives the event,
/// `{"timestamp": "...", "eventId": "...", "eventType": "jobResultSuccess",
/// "event": {...}}`, with names spelled as in a webhook's `events`: `eventType`
/// is normalized (`ALERT_NOTIFICATION` becomes `alertNotification`), a job's
/// `jobid` becomes `jobId`, a numeric `timestamp` becomes a string, and other
/// fields are kept as received. On failure, it receives the error JSON, whose
/// message contains neither the key nor the signature. Either string is owned
/// by the caller and freed with `vw_string_free`. Thread-safe.
///
/// Present only when the library is built with the Cargo feature `verify`,
/// which is on by default.
///
/// Returns `VW_OK` when every check passes, or else the code of the first
/// failed check. The checks run in this order, so the body is parsed only after
/// its signature is verified:
/// - `VW_ERROR_NULL_ARGUMENT` when `json_out` is NULL, or `body` or `key` is
///   NULL with a nonzero length. `VW_ERROR_INVALID_ARGUMENT` when `body_len` or
///   `key_len` is larger than `PTRDIFF_MAX`.
/// - `VW_ERROR_KEY_INVALID` when `key_len` is 0.
/// - `VW_ERROR_SIGNATURE_MISSING` when `signature_header` is NULL.
/// - `VW_ERROR_SIGNATURE_MALFORMED` when the header is not a digest in the
///   scheme above, or is longer than 16 KiB.
/// - `VW_ERROR_SIGNATURE_INVALID` when the digest does not match.
/// - `VW_ERROR_NOTIFICATION_INVALID` when the signature is valid but the body
///   is not a notification.
#[cfg(feature = "verify")]
#[no_mangle]
pub extern "C" fn vw_verify_notification(
    body: *const u8,
    body_len: usize,
    signature_header: *const c_char,
    key: *const u8,
    key_len: usize,
    json_out: *mut *mut c_char,
) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or `body_len` readable bytes, as documented.
        let body = unsafe { boundary::read_bytes(body, body_len, "body") }?;
        // SAFETY: the caller passes NULL or `key_len` readable bytes, as documented.
        let key = unsafe { boundary::read_bytes(key, key_len, "key") }?;
        if key.is_empty() {
            return Err(signature_failure(VerifyError::InvalidKey));
        }
        // SAFETY: the caller passes NULL or a NUL-terminated string, as documented.
        let signature = unsafe { read_header(signature_header) }.map_err(|HeaderTooLong| {
            Failure::new(
                vw_result::VW_ERROR_SIGNATURE_MALFORMED,
                format!(
                    "malformed signature: the x-visier-signature header is longer than \
                     {MAX_HEADER_BYTES} bytes"
                ),
            )
        })?;

        verify_signature(body, signature, key).map_err(signature_failure)?;
        let notification = Notification::parse(body).map_err(|error| {
            Failure::new(vw_result::VW_ERROR_NOTIFICATION_INVALID, error.to_string())
        })?;

        Ok(notification.normalized_json().to_string())
    })
}

/// Returns the failure of an `expected_json` that is valid JSON of the wrong shape.
fn expected_shape_failure(detail: &str) -> Failure {
    Failure::new(
        vw_result::VW_ERROR_INVALID_ARGUMENT,
        format!("invalid argument: expected_json {detail}"),
    )
}

/// Reads an optional string field of `expected_json`, where `null` and `""` mean unset.
fn credential_field<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(expected_shape_failure(&format!(
            "has a \"{name}\" that is not a string"
        ))),
    }
}

/// Parses `expected_json` into the expected credentials. No message echoes a value.
fn expected_auth(text: &str) -> Result<ExpectedAuth, Failure> {
    const KEYS: [&str; 3] = ["username", "password", "accessToken"];

    let value = boundary::parse_json(text, "expected_json")?;
    let Value::Object(fields) = value else {
        return Err(expected_shape_failure("is not a JSON object"));
    };
    if let Some(unknown) = fields.keys().find(|key| !KEYS.contains(&key.as_str())) {
        return Err(expected_shape_failure(&format!(
            "has an unknown key {unknown:?}; known keys: {}",
            KEYS.join(", ")
        )));
    }

    let username = credential_field(&fields, "username")?;
    let password = credential_field(&fields, "password")?;
    let access_token = credential_field(&fields, "accessToken")?;
    match (username, password, access_token) {
        (Some(username), Some(password), None) => Ok(ExpectedAuth::basic(username, password)),
        (None, None, Some(token)) => Ok(ExpectedAuth::bearer(token)),
        _ => Err(expected_shape_failure(
            "must contain either a non-empty \"username\" and \"password\", or a non-empty \
             \"accessToken\"",
        )),
    }
}

/// Checks the `Authorization` header of a notification against the webhook's
/// credentials.
///
/// `authorization_header` is the NUL-terminated value of the `Authorization`
/// header, or NULL when the request has none. `expected_json` is the
/// credentials configured on the webhook, as a JSON object:
/// `{"username": "...", "password": "..."}` for `Basic`, or
/// `{"accessToken": "..."}` for `Bearer`. A `null` or empty value counts as
/// unset. Neither string is kept after the call.
///
/// The scheme name matches case-insensitively, and spaces and tabs around the
/// value are ignored. Basic credentials must be exactly `username:password` in
/// standard base64 with `=` padding. The credentials are compared in time that
/// does not depend on where they first differ. Check this header first, then
/// the signature with `vw_verify_notification`.
///
/// On failure, `vw_last_error` returns the error JSON, whose message contains
/// no credentials. Thread-safe.
///
/// Returns `VW_OK` when the credentials match, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `expected_json` is NULL.
/// - `VW_ERROR_INVALID_UTF8`, `VW_ERROR_INPUT_TOO_LARGE` (beyond 256 KiB) or
///   `VW_ERROR_INVALID_JSON` for `expected_json`.
/// - `VW_ERROR_INVALID_ARGUMENT` when `expected_json` is not one of the two
///   shapes above or has another key.
/// - `VW_ERROR_AUTHORIZATION_MISSING` when `authorization_header` is NULL.
/// - `VW_ERROR_AUTHORIZATION_MALFORMED` when the header is not
///   `<scheme> <credentials>`, or is longer than 16 KiB.
/// - `VW_ERROR_AUTHORIZATION_INVALID` for another scheme or other credentials.
#[no_mangle]
pub extern "C" fn vw_verify_authorization(
    authorization_header: *const c_char,
    expected_json: *const c_char,
) -> vw_result {
    boundary::call(|| {
        // SAFETY: the caller passes NULL or a NUL-terminated string, as documented.
        let expected_text = unsafe { boundary::read_json(expected_json, "expected_json") }?;
        let expected = expected_auth(expected_text)?;
        // SAFETY: the caller passes NULL or a NUL-terminated string, as documented.
        let header = unsafe { read_header(authorization_header) }.map_err(|HeaderTooLong| {
            Failure::new(
                vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
                format!(
                    "malformed authorization: the Authorization header is longer than \
                     {MAX_HEADER_BYTES} bytes"
                ),
            )
        })?;

        verify_authorization(header, &expected).map_err(authorization_failure)
    })
}
