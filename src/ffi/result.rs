//! Result codes of the C API and the mapping from [`Error`] to them.

use std::ffi::{c_char, c_int};

use crate::error::Error;

/// Result code of every `vw_` function that can fail.
///
/// `VW_OK` (0) is success. The numbers are fixed forever and grouped by cause:
/// - 1 to 99: caller errors.
/// - 100 to 199: error statuses from the API.
/// - 200 to 299: transport errors.
/// - 300 to 399: failed checks of a received notification.
/// - 900: an internal error.
///
/// A number is never reused for another meaning, and new codes may be added
/// within a group, so a switch over this type needs a default branch.
/// `vw_result_text` returns a description of any code.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum vw_result {
    /// Success.
    VW_OK = 0,
    /// A required pointer argument is NULL.
    VW_ERROR_NULL_ARGUMENT = 1,
    /// A string argument is not valid UTF-8.
    VW_ERROR_INVALID_UTF8 = 2,
    /// A JSON argument is not valid JSON.
    VW_ERROR_INVALID_JSON = 3,
    /// An argument is rejected, such as an empty webhook id or an `is_active`
    /// filter other than -1, 0 or 1.
    VW_ERROR_INVALID_ARGUMENT = 4,
    /// A configuration setting is missing, unknown, of the wrong type or
    /// contradicts another.
    VW_ERROR_INVALID_CONFIG = 5,
    /// A string argument is longer than its documented limit.
    VW_ERROR_INPUT_TOO_LARGE = 6,
    /// The API responded with status 404: the webhook or key does not exist.
    VW_ERROR_NOT_FOUND = 100,
    /// The API responded with status 401: the API key or the credentials were
    /// rejected.
    VW_ERROR_UNAUTHORIZED = 101,
    /// The API responded with status 403: the user lacks the capability for this
    /// operation.
    VW_ERROR_FORBIDDEN = 102,
    /// The API responded with status 429 and the retries ran out.
    VW_ERROR_RATE_LIMITED = 103,
    /// The API responded with another error status, such as 400 for an invalid
    /// definition.
    VW_ERROR_API = 104,
    /// The connect timeout or the request timeout elapsed.
    VW_ERROR_TIMEOUT = 200,
    /// The connection could not be made or broke before the response arrived.
    VW_ERROR_CONNECTION = 201,
    /// TLS failed: the certificate did not verify, or the handshake failed.
    VW_ERROR_TLS = 202,
    /// The response body was larger than `maxResponseBytes`.
    VW_ERROR_RESPONSE_TOO_LARGE = 203,
    /// The server responded with a 2xx status and a body that is not JSON.
    VW_ERROR_INVALID_RESPONSE = 204,
    /// The server responded with a redirect, which is never followed.
    VW_ERROR_REDIRECT = 205,
    /// A create, a test event or a key generation failed after it may have
    /// reached the server, so it was not repeated. Check the server's state
    /// before trying again.
    VW_ERROR_OUTCOME_UNKNOWN = 206,
    /// The `x-visier-signature` header does not match the notification body and
    /// the key.
    VW_ERROR_SIGNATURE_INVALID = 300,
    /// The notification has no `x-visier-signature` header.
    VW_ERROR_SIGNATURE_MISSING = 301,
    /// The `x-visier-signature` header is not an HMAC-SHA256 digest in
    /// hexadecimal or base64, or is longer than 16 KiB.
    VW_ERROR_SIGNATURE_MALFORMED = 302,
    /// The signing key is empty.
    VW_ERROR_KEY_INVALID = 303,
    /// The signature is valid but the body is not a notification: not a JSON
    /// object with string fields `eventId` and `eventType`.
    VW_ERROR_NOTIFICATION_INVALID = 304,
    /// The notification has no `Authorization` header, but credentials are
    /// expected.
    VW_ERROR_AUTHORIZATION_MISSING = 305,
    /// The `Authorization` header is not `<scheme> <credentials>`, or is longer
    /// than 16 KiB.
    VW_ERROR_AUTHORIZATION_MALFORMED = 306,
    /// The `Authorization` header has another scheme or other credentials than
    /// expected.
    VW_ERROR_AUTHORIZATION_INVALID = 307,
    /// A bug in the library: a panic was caught at the C boundary. Every function
    /// that returns a `vw_result` may return it, except `vw_last_error`.
    VW_ERROR_INTERNAL = 900,
}

impl vw_result {
    /// Returns the constant's name, such as `VW_ERROR_NOT_FOUND`, for the error JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            vw_result::VW_OK => "VW_OK",
            vw_result::VW_ERROR_NULL_ARGUMENT => "VW_ERROR_NULL_ARGUMENT",
            vw_result::VW_ERROR_INVALID_UTF8 => "VW_ERROR_INVALID_UTF8",
            vw_result::VW_ERROR_INVALID_JSON => "VW_ERROR_INVALID_JSON",
            vw_result::VW_ERROR_INVALID_ARGUMENT => "VW_ERROR_INVALID_ARGUMENT",
            vw_result::VW_ERROR_INVALID_CONFIG => "VW_ERROR_INVALID_CONFIG",
            vw_result::VW_ERROR_INPUT_TOO_LARGE => "VW_ERROR_INPUT_TOO_LARGE",
            vw_result::VW_ERROR_NOT_FOUND => "VW_ERROR_NOT_FOUND",
            vw_result::VW_ERROR_UNAUTHORIZED => "VW_ERROR_UNAUTHORIZED",
            vw_result::VW_ERROR_FORBIDDEN => "VW_ERROR_FORBIDDEN",
            vw_result::VW_ERROR_RATE_LIMITED => "VW_ERROR_RATE_LIMITED",
            vw_result::VW_ERROR_API => "VW_ERROR_API",
            vw_result::VW_ERROR_TIMEOUT => "VW_ERROR_TIMEOUT",
            vw_result::VW_ERROR_CONNECTION => "VW_ERROR_CONNECTION",
            vw_result::VW_ERROR_TLS => "VW_ERROR_TLS",
            vw_result::VW_ERROR_RESPONSE_TOO_LARGE => "VW_ERROR_RESPONSE_TOO_LARGE",
            vw_result::VW_ERROR_INVALID_RESPONSE => "VW_ERROR_INVALID_RESPONSE",
            vw_result::VW_ERROR_REDIRECT => "VW_ERROR_REDIRECT",
            vw_result::VW_ERROR_OUTCOME_UNKNOWN => "VW_ERROR_OUTCOME_UNKNOWN",
            vw_result::VW_ERROR_SIGNATURE_INVALID => "VW_ERROR_SIGNATURE_INVALID",
            vw_result::VW_ERROR_SIGNATURE_MISSING => "VW_ERROR_SIGNATURE_MISSING",
            vw_result::VW_ERROR_SIGNATURE_MALFORMED => "VW_ERROR_SIGNATURE_MALFORMED",
            vw_result::VW_ERROR_KEY_INVALID => "VW_ERROR_KEY_INVALID",
            vw_result::VW_ERROR_NOTIFICATION_INVALID => "VW_ERROR_NOTIFICATION_INVALID",
            vw_result::VW_ERROR_AUTHORIZATION_MISSING => "VW_ERROR_AUTHORIZATION_MISSING",
            vw_result::VW_ERROR_AUTHORIZATION_MALFORMED => "VW_ERROR_AUTHORIZATION_MALFORMED",
            vw_result::VW_ERROR_AUTHORIZATION_INVALID => "VW_ERROR_AUTHORIZATION_INVALID",
            vw_result::VW_ERROR_INTERNAL => "VW_ERROR_INTERNAL",
        }
    }

    /// Returns the code of a core error.
    pub(crate) fn from_error(error: &Error) -> vw_result {
        match error {
            Error::Config(_) => vw_result::VW_ERROR_INVALID_CONFIG,
            Error::InvalidInput(_) => vw_result::VW_ERROR_INVALID_ARGUMENT,
            Error::Api(api) => match api.status {
                404 => vw_result::VW_ERROR_NOT_FOUND,
                401 => vw_result::VW_ERROR_UNAUTHORIZED,
                403 => vw_result::VW_ERROR_FORBIDDEN,
                429 => vw_result::VW_ERROR_RATE_LIMITED,
                _ => vw_result::VW_ERROR_API,
            },
            Error::Timeout { .. } => vw_result::VW_ERROR_TIMEOUT,
            Error::Connection { .. } => vw_result::VW_ERROR_CONNECTION,
            Error::Tls(_) => vw_result::VW_ERROR_TLS,
            Error::ResponseTooLarge { .. } => vw_result::VW_ERROR_RESPONSE_TOO_LARGE,
            Error::Decode { .. } => vw_result::VW_ERROR_INVALID_RESPONSE,
            Error::Redirect { .. } => vw_result::VW_ERROR_REDIRECT,
            Error::OutcomeUnknown { .. } => vw_result::VW_ERROR_OUTCOME_UNKNOWN,
        }
    }
}

/// Returns a static, NUL-terminated description of a result code, such as
/// `"not found"` for `VW_ERROR_NOT_FOUND`.
///
/// Takes a plain integer so that any number is safe to pass: a number that is
/// not a `vw_result` gives `"unknown result code"`. Never returns NULL. The
/// string is owned by the library and lives as long as the process: do not free
/// it. Thread-safe.
#[no_mangle]
pub extern "C" fn vw_result_text(result: c_int) -> *const c_char {
    let text: &'static [u8] = match result {
        0 => b"success\0",
        1 => b"a required pointer argument is NULL\0",
        2 => b"a string argument is not valid UTF-8\0",
        3 => b"a JSON argument is not valid JSON\0",
        4 => b"invalid argument\0",
        5 => b"invalid configuration\0",
        6 => b"an argument is longer than its limit\0",
        100 => b"not found\0",
        101 => b"unauthorized: the API key or the credentials were rejected\0",
        102 => b"forbidden: the user lacks the capability for this operation\0",
        103 => b"rate limited: too many requests\0",
        104 => b"the API answered with an error status\0",
        200 => b"request timed out\0",
        201 => b"connection failed\0",
        202 => b"tls failed\0",
        203 => b"response too large\0",
        204 => b"invalid response: the body is not the expected JSON\0",
        205 => b"redirect refused\0",
        206 => b"outcome unknown: the request may have been applied; check before retrying\0",
        300 => b"invalid signature: it does not match the body and the key\0",
        301 => b"missing signature: the notification has no x-visier-signature header\0",
        302 => b"malformed signature: the x-visier-signature header is not a digest\0",
        303 => b"invalid key: the signing key is empty\0",
        304 => b"invalid notification: the body is not a notification\0",
        305 => b"missing authorization: the notification has no Authorization header\0",
        306 => b"malformed authorization: the Authorization header is not valid\0",
        307 => b"invalid authorization: the credentials do not match\0",
        900 => b"internal error in the library\0",
        _ => b"unknown result code\0",
    };
    text.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    const ALL: [vw_result; 28] = [
        vw_result::VW_OK,
        vw_result::VW_ERROR_NULL_ARGUMENT,
        vw_result::VW_ERROR_INVALID_UTF8,
        vw_result::VW_ERROR_INVALID_JSON,
        vw_result::VW_ERROR_INVALID_ARGUMENT,
        vw_result::VW_ERROR_INVALID_CONFIG,
        vw_result::VW_ERROR_INPUT_TOO_LARGE,
        vw_result::VW_ERROR_NOT_FOUND,
        vw_result::VW_ERROR_UNAUTHORIZED,
        vw_result::VW_ERROR_FORBIDDEN,
        vw_result::VW_ERROR_RATE_LIMITED,
        vw_result::VW_ERROR_API,
        vw_result::VW_ERROR_TIMEOUT,
        vw_result::VW_ERROR_CONNECTION,
        vw_result::VW_ERROR_TLS,
        vw_result::VW_ERROR_RESPONSE_TOO_LARGE,
        vw_result::VW_ERROR_INVALID_RESPONSE,
        vw_result::VW_ERROR_REDIRECT,
        vw_result::VW_ERROR_OUTCOME_UNKNOWN,
        vw_result::VW_ERROR_SIGNATURE_INVALID,
        vw_result::VW_ERROR_SIGNATURE_MISSING,
        vw_result::VW_ERROR_SIGNATURE_MALFORMED,
        vw_result::VW_ERROR_KEY_INVALID,
        vw_result::VW_ERROR_NOTIFICATION_INVALID,
        vw_result::VW_ERROR_AUTHORIZATION_MISSING,
        vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
        vw_result::VW_ERROR_AUTHORIZATION_INVALID,
        vw_result::VW_ERROR_INTERNAL,
    ];

    fn text(code: c_int) -> &'static str {
        // SAFETY: vw_result_text returns a pointer to a static NUL-terminated literal.
        unsafe { CStr::from_ptr(vw_result_text(code)) }
            .to_str()
            .unwrap()
    }

    #[test]
    fn every_code_has_its_own_text() {
        let unknown = text(-1);
        let mut seen = Vec::new();
        for code in ALL {
            let description = text(code as c_int);
            assert_ne!(description, unknown, "{code:?} has no text");
            assert!(
                !seen.contains(&description),
                "{code:?} repeats {description:?}"
            );
            seen.push(description);
        }
    }

    #[test]
    fn unknown_numbers_have_a_text() {
        for code in [
            -1,
            7,
            99,
            105,
            207,
            308,
            399,
            899,
            901,
            c_int::MAX,
            c_int::MIN,
        ] {
            assert_eq!(text(code), "unknown result code", "code {code}");
        }
    }

    #[test]
    fn names_match_the_constants() {
        for code in ALL {
            assert_eq!(code.name(), format!("{code:?}"));
        }
    }
}
