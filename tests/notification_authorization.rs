//! Checks of the `Authorization` header that Visier sends to a webhook with credentials.

use visier_webhooks::notification::{verify_authorization, AuthError, ExpectedAuth};

/// `visier-user:p@ss:w0rd` in standard base64, computed with Python's `base64` module.
const BASIC_CREDENTIALS: &str = "dmlzaWVyLXVzZXI6cEBzczp3MHJk";
const PASSWORD: &str = "p@ss:w0rd";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.payload.signature";

fn basic() -> ExpectedAuth {
    ExpectedAuth::basic("visier-user", PASSWORD)
}

fn check(header: &str, expected: &ExpectedAuth) -> Result<(), AuthError> {
    verify_authorization(Some(header.as_bytes()), expected)
}

#[test]
fn basic_matches() {
    let header = format!("Basic {BASIC_CREDENTIALS}");
    assert_eq!(check(&header, &basic()), Ok(()));
}

#[test]
fn basic_scheme_case_insensitive() {
    let header = format!("bASIC  {BASIC_CREDENTIALS}\t");
    assert_eq!(check(&header, &basic()), Ok(()));
}

#[test]
fn basic_wrong_password_mismatch() {
    let expected = ExpectedAuth::basic("visier-user", "p@ss:w0rD");
    let header = format!("Basic {BASIC_CREDENTIALS}");
    assert_eq!(check(&header, &expected), Err(AuthError::Mismatch));
}

#[test]
fn basic_wrong_username_mismatch() {
    let expected = ExpectedAuth::basic("visier-usr", PASSWORD);
    let header = format!("Basic {BASIC_CREDENTIALS}");
    assert_eq!(check(&header, &expected), Err(AuthError::Mismatch));
}

#[test]
fn basic_every_flipped_character_fails() {
    let header = format!("Basic {BASIC_CREDENTIALS}");
    for index in 0..header.len() {
        let mut flipped = header.as_bytes().to_vec();
        flipped[index] ^= 0x01;
        let result = verify_authorization(Some(&flipped), &basic());
        assert!(result.is_err(), "byte {index} flipped: {result:?}");
    }
}

#[test]
fn basic_invalid_base64_malformed() {
    let result = check("Basic dmlzaWVyLXVzZXI6cEBzczp3MHJk=", &basic());
    assert!(
        matches!(result, Err(AuthError::Malformed { .. })),
        "{result:?}"
    );
}

#[test]
fn bearer_matches() {
    let expected = ExpectedAuth::bearer(TOKEN);
    assert_eq!(check(&format!("Bearer {TOKEN}"), &expected), Ok(()));
    assert_eq!(check(&format!("bearer {TOKEN}"), &expected), Ok(()));
}

#[test]
fn bearer_prefix_and_extension_mismatch() {
    let expected = ExpectedAuth::bearer(TOKEN);
    let truncated = format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]);
    let extended = format!("Bearer {TOKEN}x");
    assert_eq!(check(&truncated, &expected), Err(AuthError::Mismatch));
    assert_eq!(check(&extended, &expected), Err(AuthError::Mismatch));
}

#[test]
fn missing_header() {
    assert_eq!(
        verify_authorization(None, &basic()),
        Err(AuthError::Missing)
    );
}

#[test]
fn malformed_headers() {
    let expected = ExpectedAuth::bearer(TOKEN);
    for header in ["", "   ", "Bearer", "Bearer ", "Bearer abc def"] {
        let result = check(header, &expected);
        assert!(
            matches!(result, Err(AuthError::Malformed { .. })),
            "{header:?}: {result:?}"
        );
    }
}

#[test]
fn other_scheme_unexpected() {
    let header = format!("Basic {BASIC_CREDENTIALS}");
    let result = check(&header, &ExpectedAuth::bearer(TOKEN));
    assert_eq!(
        result,
        Err(AuthError::UnexpectedScheme { expected: "Bearer" })
    );
    let result = check(&format!("Bearer {TOKEN}"), &basic());
    assert_eq!(
        result,
        Err(AuthError::UnexpectedScheme { expected: "Basic" })
    );
}

#[test]
fn debug_redacts_secrets() {
    let basic_debug = format!("{:?}", basic());
    assert!(!basic_debug.contains(PASSWORD), "{basic_debug}");
    assert!(basic_debug.contains("***"), "{basic_debug}");
    let bearer_debug = format!("{:?}", ExpectedAuth::bearer(TOKEN));
    assert!(!bearer_debug.contains(TOKEN), "{bearer_debug}");
    assert!(bearer_debug.contains("***"), "{bearer_debug}");
}

#[test]
fn error_messages_omit_credentials() {
    let header = format!("Bearer {TOKEN}x");
    let error = check(&header, &ExpectedAuth::bearer(TOKEN)).unwrap_err();
    let message = error.to_string();
    assert!(!message.contains(TOKEN), "{message}");
    assert!(!format!("{error:?}").contains(TOKEN));
}
