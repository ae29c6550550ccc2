//! Calls `vw_verify_notification` and `vw_verify_authorization` through their C signatures
//! and checks each result code, the JSON written to `json_out`, and the thread's last error.
#![cfg(feature = "verify")]

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use visier_webhooks::ffi::{
    vw_last_error, vw_result, vw_string_free, vw_verify_authorization, vw_verify_notification,
};

const KEY: &[u8] = b"c-verification-key-3e8a";
const TOKEN: &str = "c-verification-token-61f0";
const USER: &str = "c-verification-user";
const PASSWORD: &str = "c-verification-password-d27c";

const ALERT_BODY: &[u8] = br#"{"timestamp":"1700000000000","eventId":"e-1","eventType":"ALERT_NOTIFICATION","event":{"alertId":"a-1"}}"#;
const JOB_BODY: &[u8] = br#"{"timestamp":1700000000000,"eventId":"e-2","eventType":"jobResultSuccess","event":{"jobid":"j-1"}}"#;

/// Returns the lowercase hexadecimal HMAC-SHA256 of `body` under `key`.
fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Takes ownership of a string that the library returned.
fn take_string(string: *mut c_char) -> Option<String> {
    if string.is_null() {
        return None;
    }
    // SAFETY: the library returned this NUL-terminated string and it is freed only below.
    let text = unsafe { CStr::from_ptr(string) }
        .to_str()
        .expect("UTF-8 from the library")
        .to_owned();
    vw_string_free(string);
    Some(text)
}

/// Calls `vw_verify_notification` and returns the result and the `json_out` string.
fn verify_notification(
    body: &[u8],
    signature: Option<&str>,
    key: &[u8],
) -> (vw_result, Option<String>) {
    let signature = signature.map(|text| CString::new(text).unwrap());
    let signature_ptr = signature.as_ref().map_or(ptr::null(), |text| text.as_ptr());
    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        body.as_ptr(),
        body.len(),
        signature_ptr,
        key.as_ptr(),
        key.len(),
        &mut json_out,
    );
    (result, take_string(json_out))
}

/// Returns the calling thread's last error JSON.
fn last_error() -> Value {
    let mut json_out: *mut c_char = ptr::null_mut();
    assert_eq!(vw_last_error(&mut json_out), vw_result::VW_OK);
    let text = take_string(json_out).expect("a last error");
    serde_json::from_str(&text).unwrap()
}

/// Asserts that an error JSON names `expected` and shows no secret.
fn assert_error_json(text: &str, expected: vw_result, case: &str) {
    for secret in [
        std::str::from_utf8(KEY).unwrap(),
        TOKEN,
        PASSWORD,
        &sign(KEY, ALERT_BODY),
    ] {
        assert!(
            !text.contains(secret),
            "{case}: the error JSON shows a secret: {text}"
        );
    }
    let error: Value = serde_json::from_str(text).unwrap();
    assert_eq!(error["code"], format!("{expected:?}"), "{case}: {text}");
    assert_eq!(error["result"], expected as i32, "{case}: {text}");
    assert_eq!(error["httpStatus"], Value::Null, "{case}: {text}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{case}"
    );
}

/// Asserts a failed `vw_verify_notification`, its error JSON and the thread's last error.
fn assert_notification_fails(
    outcome: (vw_result, Option<String>),
    expected: vw_result,
    message: &str,
    case: &str,
) {
    let (result, json) = outcome;
    assert_eq!(result, expected, "{case}: {json:?}");
    let json = json.unwrap_or_else(|| panic!("{case}: no error JSON"));
    assert_error_json(&json, expected, case);
    let error: Value = serde_json::from_str(&json).unwrap();
    let text = error["message"].as_str().unwrap();
    assert!(text.contains(message), "{case}: message {text:?}");
    assert_eq!(last_error(), error, "{case}: last error");
}

#[test]
fn valid_notification_gives_normalized_json() {
    let (result, json) = verify_notification(ALERT_BODY, Some(&sign(KEY, ALERT_BODY)), KEY);
    assert_eq!(result, vw_result::VW_OK, "{json:?}");
    let event: Value = serde_json::from_str(&json.unwrap()).unwrap();
    assert_eq!(
        event,
        json!({
            "timestamp": "1700000000000",
            "eventId": "e-1",
            "eventType": "alertNotification",
            "event": {"alertId": "a-1"}
        })
    );

    let (result, json) = verify_notification(JOB_BODY, Some(&sign(KEY, JOB_BODY)), KEY);
    assert_eq!(result, vw_result::VW_OK, "{json:?}");
    let event: Value = serde_json::from_str(&json.unwrap()).unwrap();
    assert_eq!(event["timestamp"], "1700000000000");
    assert_eq!(event["event"], json!({"jobId": "j-1"}));
}

#[test]
fn signature_forms_accepted() {
    let hex = sign(KEY, ALERT_BODY);
    for (case, header) in [
        ("uppercase", hex.to_uppercase()),
        ("spaces and tabs around", format!(" \t{hex} ")),
    ] {
        let (result, json) = verify_notification(ALERT_BODY, Some(&header), KEY);
        assert_eq!(result, vw_result::VW_OK, "{case}: {json:?}");
    }
}

#[test]
fn only_body_len_bytes_are_verified() {
    // The buffer continues past body_len, and the body contains NUL bytes.
    let body = b"{\"eventId\":\"e\",\"eventType\":\"dvPublish\",\"event\":{}}";
    let mut buffer = body.to_vec();
    buffer.extend_from_slice(b"\0trailing bytes");
    let signature = CString::new(sign(KEY, body)).unwrap();
    let mut json_out: *mut c_char = ptr::null_mut();

    let result = vw_verify_notification(
        buffer.as_ptr(),
        body.len(),
        signature.as_ptr(),
        KEY.as_ptr(),
        KEY.len(),
        &mut json_out,
    );

    let json = take_string(json_out);
    assert_eq!(result, vw_result::VW_OK, "{json:?}");
    let event: Value = serde_json::from_str(&json.unwrap()).unwrap();
    assert_eq!(event["eventType"], "dvPublish");

    let with_nul = b"{\"eventId\":\"e\0\",\"eventType\":\"dvPublish\"}";
    let outcome = verify_notification(with_nul, Some(&sign(KEY, with_nul)), KEY);
    assert_notification_fails(
        outcome,
        vw_result::VW_ERROR_NOTIFICATION_INVALID,
        "invalid notification body",
        "NUL inside a string",
    );
}

#[test]
fn wrong_signature_is_invalid() {
    let cases: [(&str, &[u8], String, &[u8]); 3] = [
        (
            "other key",
            ALERT_BODY,
            sign(b"another-key", ALERT_BODY),
            KEY,
        ),
        ("other body", ALERT_BODY, sign(KEY, JOB_BODY), KEY),
        (
            "key with one more byte",
            ALERT_BODY,
            sign(KEY, ALERT_BODY),
            b"c-verification-key-3e8ab",
        ),
    ];
    for (case, body, signature, key) in cases {
        let outcome = verify_notification(body, Some(&signature), key);
        assert_notification_fails(
            outcome,
            vw_result::VW_ERROR_SIGNATURE_INVALID,
            "invalid signature",
            case,
        );
    }
}

#[test]
fn missing_signature_is_reported() {
    let outcome = verify_notification(ALERT_BODY, None, KEY);
    assert_notification_fails(
        outcome,
        vw_result::VW_ERROR_SIGNATURE_MISSING,
        "missing signature",
        "NULL header",
    );
}

#[test]
fn malformed_signatures_are_reported() {
    let hex = sign(KEY, ALERT_BODY);
    let cases = [
        ("empty", String::new()),
        ("prefix", format!("sha256={hex}")),
        ("truncated", hex[..40].to_owned()),
        ("not hex", "g".repeat(64)),
        (
            "whitespace inside",
            format!("{} {}", &hex[..32], &hex[32..]),
        ),
    ];
    for (case, header) in cases {
        let outcome = verify_notification(ALERT_BODY, Some(&header), KEY);
        assert_notification_fails(
            outcome,
            vw_result::VW_ERROR_SIGNATURE_MALFORMED,
            "malformed signature",
            case,
        );
    }

    let long = " ".repeat(16 * 1024) + &hex;
    let outcome = verify_notification(ALERT_BODY, Some(&long), KEY);
    assert_notification_fails(
        outcome,
        vw_result::VW_ERROR_SIGNATURE_MALFORMED,
        "longer than 16384 bytes",
        "over 16 KiB",
    );

    // A header value need not be UTF-8; bytes outside the scheme are malformed.
    let latin1 = [0xe9_u8; 64];
    let header = CString::new(latin1.to_vec()).unwrap();
    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        ALERT_BODY.as_ptr(),
        ALERT_BODY.len(),
        header.as_ptr(),
        KEY.as_ptr(),
        KEY.len(),
        &mut json_out,
    );
    assert_notification_fails(
        (result, take_string(json_out)),
        vw_result::VW_ERROR_SIGNATURE_MALFORMED,
        "malformed signature",
        "bytes that are not UTF-8",
    );
}

#[test]
fn empty_key_is_invalid() {
    let signature = sign(KEY, ALERT_BODY);
    let outcome = verify_notification(ALERT_BODY, Some(&signature), b"");
    assert_notification_fails(
        outcome,
        vw_result::VW_ERROR_KEY_INVALID,
        "invalid key",
        "zero length",
    );

    // The key is checked first, so a missing signature does not hide it.
    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        ALERT_BODY.as_ptr(),
        ALERT_BODY.len(),
        ptr::null(),
        ptr::null(),
        0,
        &mut json_out,
    );
    assert_notification_fails(
        (result, take_string(json_out)),
        vw_result::VW_ERROR_KEY_INVALID,
        "invalid key",
        "NULL key of length 0",
    );
}

#[test]
fn signed_non_notification_is_invalid() {
    for (case, body) in [
        ("JSON array", &b"[1, 2]"[..]),
        ("no eventType", &br#"{"eventId":"e"}"#[..]),
        ("not JSON", &b"eventId=e"[..]),
        (
            "not UTF-8",
            &b"{\"eventId\":\"\xff\",\"eventType\":\"x\"}"[..],
        ),
    ] {
        let outcome = verify_notification(body, Some(&sign(KEY, body)), KEY);
        assert_notification_fails(
            outcome,
            vw_result::VW_ERROR_NOTIFICATION_INVALID,
            "invalid notification body",
            case,
        );
    }

    // An empty body given as NULL with length 0 is verified like any other.
    let signature = CString::new(sign(KEY, b"")).unwrap();
    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        ptr::null(),
        0,
        signature.as_ptr(),
        KEY.as_ptr(),
        KEY.len(),
        &mut json_out,
    );
    assert_notification_fails(
        (result, take_string(json_out)),
        vw_result::VW_ERROR_NOTIFICATION_INVALID,
        "invalid notification body",
        "empty body",
    );
}

#[test]
fn length_beyond_address_space_is_rejected() {
    // The length is checked before the buffer is read, so no byte past ALERT_BODY is touched.
    let signature = CString::new(sign(KEY, ALERT_BODY)).unwrap();
    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        ALERT_BODY.as_ptr(),
        usize::MAX,
        signature.as_ptr(),
        KEY.as_ptr(),
        KEY.len(),
        &mut json_out,
    );
    assert_notification_fails(
        (result, take_string(json_out)),
        vw_result::VW_ERROR_INVALID_ARGUMENT,
        "exceeds the address space",
        "body_len usize::MAX",
    );
}

#[test]
fn null_pointers_with_lengths_are_rejected() {
    let signature = CString::new(sign(KEY, ALERT_BODY)).unwrap();

    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        ptr::null(),
        5,
        signature.as_ptr(),
        KEY.as_ptr(),
        KEY.len(),
        &mut json_out,
    );
    assert_notification_fails(
        (result, take_string(json_out)),
        vw_result::VW_ERROR_NULL_ARGUMENT,
        "body is NULL",
        "NULL body",
    );

    let mut json_out: *mut c_char = ptr::null_mut();
    let result = vw_verify_notification(
        ALERT_BODY.as_ptr(),
        ALERT_BODY.len(),
        signature.as_ptr(),
        ptr::null(),
        3,
        &mut json_out,
    );
    assert_notification_fails(
        (result, take_string(json_out)),
        vw_result::VW_ERROR_NULL_ARGUMENT,
        "key is NULL",
        "NULL key",
    );

    let result = vw_verify_notification(
        ALERT_BODY.as_ptr(),
        ALERT_BODY.len(),
        signature.as_ptr(),
        KEY.as_ptr(),
        KEY.len(),
        ptr::null_mut(),
    );
    assert_eq!(result, vw_result::VW_ERROR_NULL_ARGUMENT);
    assert_error_json(
        &last_error().to_string(),
        vw_result::VW_ERROR_NULL_ARGUMENT,
        "NULL json_out",
    );
}

/// Calls `vw_verify_authorization` with Rust strings, `None` for NULL.
fn verify_authorization(header: Option<&str>, expected: Option<&str>) -> vw_result {
    let header = header.map(|text| CString::new(text).unwrap());
    let expected = expected.map(|text| CString::new(text).unwrap());
    vw_verify_authorization(
        header.as_ref().map_or(ptr::null(), |text| text.as_ptr()),
        expected.as_ref().map_or(ptr::null(), |text| text.as_ptr()),
    )
}

/// Returns `Basic base64(user:password)`.
fn basic_header(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut encoded = String::new();
    for chunk in input.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let group = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                let sextet = (group >> (18 - 6 * index)) & 0x3f;
                encoded.push(char::from(ALPHABET[sextet as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    format!("Basic {encoded}")
}

/// Asserts a failed `vw_verify_authorization` and its last error.
fn assert_authorization_fails(result: vw_result, expected: vw_result, message: &str, case: &str) {
    assert_eq!(result, expected, "{case}");
    let error = last_error();
    assert_error_json(&error.to_string(), expected, case);
    let text = error["message"].as_str().unwrap();
    assert!(text.contains(message), "{case}: message {text:?}");
}

#[test]
fn matching_authorization_is_accepted() {
    let bearer = json!({"accessToken": TOKEN}).to_string();
    let basic = json!({"username": USER, "password": PASSWORD}).to_string();
    let cases = [
        ("bearer", format!("Bearer {TOKEN}"), &bearer),
        ("lowercase scheme", format!("bearer {TOKEN}"), &bearer),
        ("spaces around", format!("  Bearer {TOKEN}\t"), &bearer),
        ("basic", basic_header(USER, PASSWORD), &basic),
    ];
    for (case, header, expected) in cases {
        let result = verify_authorization(Some(&header), Some(expected));
        assert_eq!(result, vw_result::VW_OK, "{case}: {:?}", last_error());
    }

    // null and empty values count as unset.
    let with_nulls = json!({"accessToken": TOKEN, "username": null, "password": ""});
    let result = verify_authorization(
        Some(&format!("Bearer {TOKEN}")),
        Some(&with_nulls.to_string()),
    );
    assert_eq!(result, vw_result::VW_OK, "{:?}", last_error());
}

#[test]
fn authorization_failures_get_their_codes() {
    let bearer = json!({"accessToken": TOKEN}).to_string();
    let basic = json!({"username": USER, "password": PASSWORD}).to_string();
    let long = format!("Bearer {}", "t".repeat(16 * 1024));
    let cases: [(&str, Option<String>, &String, vw_result, &str); 9] = [
        (
            "no header",
            None,
            &bearer,
            vw_result::VW_ERROR_AUTHORIZATION_MISSING,
            "missing authorization",
        ),
        (
            "empty header",
            Some(String::new()),
            &bearer,
            vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
            "malformed authorization",
        ),
        (
            "scheme only",
            Some("Bearer".to_owned()),
            &bearer,
            vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
            "malformed authorization",
        ),
        (
            "Basic that is not base64",
            Some("Basic not*base64".to_owned()),
            &basic,
            vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
            "malformed authorization",
        ),
        (
            "over 16 KiB",
            Some(long),
            &bearer,
            vw_result::VW_ERROR_AUTHORIZATION_MALFORMED,
            "longer than 16384 bytes",
        ),
        (
            "other token",
            Some(format!("Bearer {TOKEN}x")),
            &bearer,
            vw_result::VW_ERROR_AUTHORIZATION_INVALID,
            "invalid authorization",
        ),
        (
            "other password",
            Some(basic_header(USER, "wrong")),
            &basic,
            vw_result::VW_ERROR_AUTHORIZATION_INVALID,
            "invalid authorization",
        ),
        (
            "Basic for a token",
            Some(basic_header(USER, PASSWORD)),
            &bearer,
            vw_result::VW_ERROR_AUTHORIZATION_INVALID,
            "expected Bearer",
        ),
        (
            "Bearer for Basic",
            Some(format!("Bearer {TOKEN}")),
            &basic,
            vw_result::VW_ERROR_AUTHORIZATION_INVALID,
            "expected Basic",
        ),
    ];
    for (case, header, expected, code, message) in cases {
        let result = verify_authorization(header.as_deref(), Some(expected));
        assert_authorization_fails(result, code, message, case);
    }
}

#[test]
fn expected_credentials_are_checked() {
    let header = format!("Bearer {TOKEN}");
    let cases: [(&str, Option<String>, vw_result, &str); 9] = [
        (
            "NULL",
            None,
            vw_result::VW_ERROR_NULL_ARGUMENT,
            "expected_json is NULL",
        ),
        (
            "not JSON",
            Some(format!("accessToken={TOKEN}")),
            vw_result::VW_ERROR_INVALID_JSON,
            "not valid JSON",
        ),
        (
            "array",
            Some("[]".to_owned()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "not a JSON object",
        ),
        (
            "number token",
            Some(r#"{"accessToken": 5}"#.to_owned()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "not a string",
        ),
        (
            "empty token",
            Some(r#"{"accessToken": ""}"#.to_owned()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "must contain either",
        ),
        (
            "user without password",
            Some(json!({"username": USER}).to_string()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "must contain either",
        ),
        (
            "token and user",
            Some(json!({"accessToken": TOKEN, "username": USER, "password": PASSWORD}).to_string()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "must contain either",
        ),
        (
            "unknown key",
            Some(json!({"token": TOKEN}).to_string()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "unknown key \"token\"",
        ),
        (
            "empty object",
            Some("{}".to_owned()),
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            "must contain either",
        ),
    ];
    for (case, expected, code, message) in cases {
        let result = verify_authorization(Some(&header), expected.as_deref());
        assert_authorization_fails(result, code, message, case);
    }

    let not_utf8 = CString::new(b"{\"accessToken\":\"\xff\"}".to_vec()).unwrap();
    let header = CString::new(header).unwrap();
    let result = vw_verify_authorization(header.as_ptr(), not_utf8.as_ptr());
    assert_authorization_fails(
        result,
        vw_result::VW_ERROR_INVALID_UTF8,
        "not valid UTF-8",
        "expected_json not UTF-8",
    );
}
