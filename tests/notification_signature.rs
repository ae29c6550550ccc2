//! Signature verification of received notifications against known-answer vectors.
#![cfg(feature = "verify")]

use visier_webhooks::notification::{
    verify_and_parse, verify_signature, ReceiveError, SignatureProblem, Verifier, VerifyError,
};

/// RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
const RFC4231_KEY: &[u8] = b"Jefe";
const RFC4231_DATA: &[u8] = b"what do ya want for nothing?";
const RFC4231_HEX: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
const RFC4231_BASE64: &str = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

/// A notification body with unsorted keys, irregular spaces, escapes, literal non-ASCII text
/// and `1.0`, which a JSON round trip would change.
const RAW_BODY: &str = r#"{"timestamp": "1717000000000", "eventType":"jobResultSuccess" ,"eventId":"evt-0001","event":{"jobid":"job-\u00e9-1","rootJobId":"root-1",  "note":"Zürich ✓ \"quoted\" \/ tab\t","ratio":1.0,"parentJobId":"parent-1"}}"#;

/// Key value as the key generation call returns it. The HMAC key is these UTF-8 bytes, not
/// their base64 decoding.
const RAW_KEY: &str = "dGVzdC1rZXktdmFsdWUtZm9yLXZlcmlmaWNhdGlvbg==";

/// HMAC-SHA256 of `RAW_BODY` with `RAW_KEY`, computed with Python's `hmac` module.
const RAW_HEX: &str = "721ba1f49c1df627d80f143e1dab833156f0f1c566c8cb5cd5cd945bce15558b";
const RAW_BASE64: &str = "chuh9Jwd9ifYDxQ+HauDMVbw8cVmyMtc1c2UW84VVYs=";

fn verify(body: &[u8], signature: &str, key: &[u8]) -> Result<(), VerifyError> {
    verify_signature(body, Some(signature.as_bytes()), key)
}

fn problem_of(result: Result<(), VerifyError>) -> SignatureProblem {
    match result {
        Err(VerifyError::MalformedSignature { problem, .. }) => problem,
        other => panic!("expected a malformed signature, got {other:?}"),
    }
}

#[test]
fn rfc4231_case2_hex_lowercase() {
    assert_eq!(verify(RFC4231_DATA, RFC4231_HEX, RFC4231_KEY), Ok(()));
}

#[test]
fn rfc4231_case2_hex_uppercase() {
    let upper = RFC4231_HEX.to_ascii_uppercase();
    assert_eq!(verify(RFC4231_DATA, &upper, RFC4231_KEY), Ok(()));
}

#[test]
fn rfc4231_case2_base64() {
    assert_eq!(verify(RFC4231_DATA, RFC4231_BASE64, RFC4231_KEY), Ok(()));
}

#[test]
fn raw_body_verifies_as_sent() {
    let key = RAW_KEY.as_bytes();
    assert_eq!(verify(RAW_BODY.as_bytes(), RAW_HEX, key), Ok(()));
    assert_eq!(
        verify(RAW_BODY.as_bytes(), &RAW_HEX.to_ascii_uppercase(), key),
        Ok(())
    );
    assert_eq!(verify(RAW_BODY.as_bytes(), RAW_BASE64, key), Ok(()));
}

#[test]
fn reserialized_body_fails() {
    let value: serde_json::Value = serde_json::from_str(RAW_BODY).unwrap();
    let reserialized = serde_json::to_vec(&value).unwrap();
    assert_ne!(reserialized, RAW_BODY.as_bytes());
    assert_eq!(
        verify(&reserialized, RAW_HEX, RAW_KEY.as_bytes()),
        Err(VerifyError::InvalidSignature)
    );
}

#[test]
fn every_flipped_body_byte_fails() {
    let key = RAW_KEY.as_bytes();
    for index in 0..RAW_BODY.len() {
        let mut body = RAW_BODY.as_bytes().to_vec();
        body[index] ^= 0x01;
        assert_eq!(
            verify(&body, RAW_HEX, key),
            Err(VerifyError::InvalidSignature),
            "body byte {index} flipped"
        );
    }
}

#[test]
fn every_flipped_signature_byte_fails() {
    let key = RAW_KEY.as_bytes();
    // 0x01 changes a digit's value, 0x20 its case and 0x80 makes it non-ASCII.
    for signature in [RAW_HEX, RAW_BASE64] {
        for index in 0..signature.len() {
            for mask in [0x01u8, 0x20, 0x80] {
                let mut flipped = signature.as_bytes().to_vec();
                flipped[index] ^= mask;
                let result = verify_signature(RAW_BODY.as_bytes(), Some(&flipped), key);
                assert!(
                    result.is_err(),
                    "{signature}: byte {index} xor {mask:#04x} verified"
                );
            }
        }
    }
}

#[test]
fn wrong_key_fails() {
    let result = verify(RAW_BODY.as_bytes(), RAW_HEX, b"another-key-value");
    assert_eq!(result, Err(VerifyError::InvalidSignature));
}

#[test]
fn base64_decoded_key_fails() {
    // The key bytes are the key value's text; decoding it as base64 gives other bytes.
    let decoded = b"test-key-value-for-verification";
    let result = verify(RAW_BODY.as_bytes(), RAW_HEX, decoded);
    assert_eq!(result, Err(VerifyError::InvalidSignature));
}

#[test]
fn empty_key_is_invalid_key() {
    let result = verify(RAW_BODY.as_bytes(), RAW_HEX, b"");
    assert_eq!(result, Err(VerifyError::InvalidKey));
}

#[test]
fn missing_header_is_missing_signature() {
    let result = verify_signature(RAW_BODY.as_bytes(), None, RAW_KEY.as_bytes());
    assert_eq!(result, Err(VerifyError::MissingSignature));
}

#[test]
fn empty_signature_is_empty() {
    let key = RAW_KEY.as_bytes();
    assert_eq!(
        problem_of(verify(RAW_BODY.as_bytes(), "", key)),
        SignatureProblem::Empty
    );
    assert_eq!(
        problem_of(verify(RAW_BODY.as_bytes(), " \t ", key)),
        SignatureProblem::Empty
    );
}

#[test]
fn truncated_signature_is_length() {
    let key = RAW_KEY.as_bytes();
    let body = RAW_BODY.as_bytes();
    assert_eq!(
        problem_of(verify(body, &RAW_HEX[..63], key)),
        SignatureProblem::Length
    );
    assert_eq!(
        problem_of(verify(body, &RAW_HEX[..32], key)),
        SignatureProblem::Length
    );
    assert_eq!(
        problem_of(verify(body, &RAW_BASE64[..43], key)),
        SignatureProblem::Length
    );
    let extended = format!("{RAW_HEX}00");
    assert_eq!(
        problem_of(verify(body, &extended, key)),
        SignatureProblem::Length
    );
}

#[test]
fn sha256_prefix_is_prefix() {
    let key = RAW_KEY.as_bytes();
    let body = RAW_BODY.as_bytes();
    for prefixed in [
        format!("sha256={RAW_HEX}"),
        format!("sha256={RAW_BASE64}"),
        format!("sha256:{RAW_HEX}"),
        format!("v1,{RAW_BASE64}"),
    ] {
        assert_eq!(
            problem_of(verify(body, &prefixed, key)),
            SignatureProblem::Prefix,
            "{prefixed}"
        );
    }
}

#[test]
fn inner_whitespace_is_whitespace() {
    let key = RAW_KEY.as_bytes();
    let body = RAW_BODY.as_bytes();
    let spaced = format!("{} {}", &RAW_HEX[..32], &RAW_HEX[32..]);
    let tabbed = format!("{}\t{}", &RAW_BASE64[..20], &RAW_BASE64[20..]);
    let line_end = format!("{RAW_HEX}\r\n");
    for value in [spaced, tabbed, line_end] {
        assert_eq!(
            problem_of(verify(body, &value, key)),
            SignatureProblem::Whitespace,
            "{value:?}"
        );
    }
}

#[test]
fn outer_spaces_and_tabs_are_ignored() {
    let padded = format!(" \t{RAW_HEX}  ");
    assert_eq!(
        verify(RAW_BODY.as_bytes(), &padded, RAW_KEY.as_bytes()),
        Ok(())
    );
}

#[test]
fn mixed_case_hex_is_invalid_hex() {
    let mixed = format!("{}{}", &RAW_HEX[..32], RAW_HEX[32..].to_ascii_uppercase());
    let result = verify(RAW_BODY.as_bytes(), &mixed, RAW_KEY.as_bytes());
    assert_eq!(problem_of(result), SignatureProblem::InvalidHex);
}

#[test]
fn url_safe_base64_is_invalid_base64() {
    let url_safe = RAW_BASE64.replace('+', "-").replace('/', "_");
    assert_ne!(url_safe, RAW_BASE64);
    let result = verify(RAW_BODY.as_bytes(), &url_safe, RAW_KEY.as_bytes());
    assert_eq!(problem_of(result), SignatureProblem::InvalidBase64);
}

#[test]
fn malformed_message_omits_value() {
    let value = format!("sha256={RAW_HEX}");
    let error = verify(RAW_BODY.as_bytes(), &value, RAW_KEY.as_bytes()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("71 bytes"), "{message}");
    assert!(!message.contains(&RAW_HEX[..8]), "{message}");
    assert!(!format!("{error:?}").contains(&RAW_HEX[..8]));
}

#[test]
fn verifier_finds_header_case_insensitively() {
    let verifier = Verifier::new(RAW_KEY).unwrap();
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Visier-Signature", RAW_BASE64),
    ];
    assert_eq!(verifier.verify(headers, RAW_BODY.as_bytes()), Ok(()));

    let owned: Vec<(String, Vec<u8>)> =
        vec![("X-VISIER-SIGNATURE".to_owned(), RAW_HEX.as_bytes().to_vec())];
    assert_eq!(verifier.verify(owned, RAW_BODY.as_bytes()), Ok(()));
}

#[test]
fn verifier_rejects_repeated_header() {
    let verifier = Verifier::new(RAW_KEY).unwrap();
    let headers = [
        ("x-visier-signature", RAW_HEX),
        ("x-visier-signature", RAW_BASE64),
    ];
    let result = verifier.verify(headers, RAW_BODY.as_bytes());
    assert_eq!(problem_of(result), SignatureProblem::Repeated);
}

#[test]
fn verifier_without_header_is_missing() {
    let verifier = Verifier::new(RAW_KEY).unwrap();
    let headers = [("content-type", "application/json")];
    let result = verifier.verify(headers, RAW_BODY.as_bytes());
    assert_eq!(result, Err(VerifyError::MissingSignature));
}

#[test]
fn verifier_empty_key_is_invalid() {
    assert_eq!(Verifier::new("").unwrap_err(), VerifyError::InvalidKey);
}

#[test]
fn verifier_debug_redacts_key() {
    let verifier = Verifier::new(RAW_KEY).unwrap();
    let debug = format!("{verifier:?}");
    assert!(!debug.contains(RAW_KEY), "{debug}");
    assert!(debug.contains("***"), "{debug}");
}

#[test]
fn verify_and_parse_returns_notification() {
    let headers = [("x-visier-signature", RAW_HEX)];
    let notification = verify_and_parse(headers, RAW_BODY.as_bytes(), RAW_KEY.as_bytes()).unwrap();
    assert_eq!(notification.event_id, "evt-0001");
    assert_eq!(notification.timestamp_millis(), Some(1_717_000_000_000));
    let job = notification.job_event().unwrap();
    assert_eq!(job.job_id.as_deref(), Some("job-\u{e9}-1"));
}

#[test]
fn verify_and_parse_checks_before_parsing() {
    let body = b"not json";
    let headers = [("x-visier-signature", RAW_HEX)];
    let result = verify_and_parse(headers, body, RAW_KEY.as_bytes());
    assert!(
        matches!(
            result,
            Err(ReceiveError::Verify(VerifyError::InvalidSignature))
        ),
        "{result:?}"
    );
}

#[test]
fn verify_and_parse_reports_parse_error() {
    // RFC 4231 test case 2 signs a body that is valid but not JSON.
    let headers = [("x-visier-signature", RFC4231_HEX)];
    let result = verify_and_parse(headers, RFC4231_DATA, RFC4231_KEY);
    assert!(matches!(result, Err(ReceiveError::Parse(_))), "{result:?}");
}
