//! The `keys` and `verify` subcommands against the emulator.

mod common;

use common::*;
use visier_webhooks_emulator::Emulator;

#[test]
fn keys_generate_list_delete() {
    let emulator = start_emulator();
    let generated = run(&emulator, &["keys", "generate", "cli-test-key"]);
    assert_ok(&generated);
    let response = generated.json();
    assert_eq!(response["detail"]["keyName"], "cli-test-key");
    assert_eq!(response["detail"]["algorithm"], "HmacSHA256");
    assert!(!response["key"].as_str().unwrap().is_empty());
    assert!(
        generated.stderr.contains("shown only this once"),
        "{generated:?}"
    );

    let listed = run(&emulator, &["keys", "list"]);
    assert_ok(&listed);
    assert_eq!(listed.json()["keyDetails"][0]["keyName"], "cli-test-key");
    assert!(listed.json()["keyDetails"][0].get("key").is_none());

    let table = run(&emulator, &["keys", "list", "--format", "table"]);
    assert_ok(&table);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{table:?}");
    assert!(lines[0].starts_with("NAME"), "{table:?}");
    assert!(lines[1].starts_with("cli-test-key"), "{table:?}");
    assert!(lines[1].contains("HmacSHA256"), "{table:?}");
    assert!(lines[1].contains("T"), "dates are ISO-8601: {table:?}");

    let deleted = run(&emulator, &["keys", "delete", "cli-test-key"]);
    assert_ok(&deleted);
    assert_eq!(deleted.json()["keyName"], "cli-test-key");
    let again = run(&emulator, &["keys", "delete", "cli-test-key"]);
    assert_eq!(again.code, 3, "{again:?}");
}

#[test]
fn keys_generate_rejects_invalid_name() {
    let emulator = start_emulator();
    let run = run(
        &emulator,
        &["keys", "generate", "bad name!", "--format", "json"],
    );
    assert_eq!(run.code, 7, "a 400 response is an API error: {run:?}");
    let error = run.stderr_json();
    assert_eq!(error["error"]["status"], 400);
    assert_eq!(error["error"]["code"], "InvalidParam");
    assert_eq!(error["error"]["exitCode"], 7);
}

/// Creates an active, signed webhook, triggers one event and returns the key value and the
/// delivered request as raw HTTP bytes and as (signature, body).
fn signed_notification(emulator: &Emulator) -> (String, Vec<u8>, String, Vec<u8>) {
    let generated = run(emulator, &["keys", "generate", "verify-key-1"]);
    assert_ok(&generated);
    let key = generated.json()["key"].as_str().unwrap().to_owned();
    let receiver = start_receiver(200, 4);
    let id = create_webhook(emulator, &receiver);
    assert_ok(&run(
        emulator,
        &["update", &id, "--activate", "--key-name", "verify-key-1"],
    ));

    let deliveries = emulator.trigger_event(None, "jobResultSuccess", None);
    let delivery = deliveries.last().expect("the event was delivered");
    assert!(delivery.succeeded(), "{delivery:?}");
    let mut raw = b"POST /hook HTTP/1.1\r\n".to_vec();
    let mut signature = String::new();
    for (name, value) in &delivery.headers {
        raw.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        if name.eq_ignore_ascii_case("x-visier-signature") {
            signature = value.clone();
        }
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(&delivery.body);
    assert!(
        !signature.is_empty(),
        "the delivery is signed: {delivery:?}"
    );
    (key, raw, signature, delivery.body.clone())
}

#[test]
fn verify_accepts_and_rejects() {
    let emulator = start_emulator();
    let (key, raw, signature, body) = signed_notification(&emulator);
    let env = vec![("SIGNING_KEY".to_owned(), key.clone())];

    let valid = run_with(&env, &["verify", "--key-env", "SIGNING_KEY"], Some(&raw));
    assert_ok(&valid);
    assert_eq!(valid.stdout.as_bytes(), body.as_slice());

    let mut tampered = raw.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 0x01;
    let invalid = run_with(
        &env,
        &["verify", "--key-env", "SIGNING_KEY"],
        Some(&tampered),
    );
    assert_eq!(invalid.code, 9, "{invalid:?}");
    assert!(invalid.stderr.contains("invalid signature"), "{invalid:?}");
    assert!(invalid.stdout.is_empty());
    assert!(!invalid.stderr.contains(&key));

    let body_only = run_with(
        &env,
        &[
            "verify",
            "--key-env",
            "SIGNING_KEY",
            "--body-only",
            "--signature",
            &signature,
        ],
        Some(&body),
    );
    assert_ok(&body_only);
    assert_eq!(body_only.stdout.as_bytes(), body.as_slice());

    let wrong_key = vec![("SIGNING_KEY".to_owned(), "another-key".to_owned())];
    let rejected = run_with(
        &wrong_key,
        &[
            "verify",
            "--key-env",
            "SIGNING_KEY",
            "--body-only",
            "--signature",
            &signature,
        ],
        Some(&body),
    );
    assert_eq!(rejected.code, 9, "{rejected:?}");

    let unsigned = run_with(
        &env,
        &["verify", "--key-env", "SIGNING_KEY"],
        Some(b"POST /hook HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"),
    );
    assert_eq!(unsigned.code, 9, "{unsigned:?}");
    assert!(
        unsigned.stderr.contains("missing signature"),
        "{unsigned:?}"
    );

    let no_key = run_with(&[], &["verify", "--key-env", "SIGNING_KEY"], Some(&raw));
    assert_eq!(no_key.code, 2, "{no_key:?}");
    // Without a key the CLI exits before it reads stdin, so writing more than a pipe buffer
    // of input always ends in BrokenPipe.
    let large_input = vec![b'x'; 1024 * 1024];
    let no_key_large = run_with(
        &[],
        &["verify", "--key-env", "SIGNING_KEY"],
        Some(&large_input),
    );
    assert_eq!(no_key_large.code, 2, "{no_key_large:?}");
    let not_http = run_with(&env, &["verify", "--key-env", "SIGNING_KEY"], Some(b"{}"));
    assert_eq!(not_http.code, 2, "{not_http:?}");
    let signature_alone = run_with(
        &env,
        &[
            "verify",
            "--key-env",
            "SIGNING_KEY",
            "--signature",
            &signature,
        ],
        Some(&body),
    );
    assert_eq!(signature_alone.code, 2, "{signature_alone:?}");
}
