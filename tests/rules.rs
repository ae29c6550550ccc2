//! Visier's documented rules, enforced by the emulator and reported through the client's
//! error type with the offending field named.

mod common;

use visier_webhooks::models::EventSubscription;
use visier_webhooks::{
    Client, Error, EventType, GenerateKeyRequest, KeyAlgorithm, ListFilter, Webhook,
    WebhookCredentials, WebhookDetails, WebhookRequest,
};

fn details() -> WebhookDetails {
    WebhookDetails::new("http://127.0.0.1:9/hook", [EventType::JobResultSuccess])
}

/// Asserts a 400 whose Visier message names `field`, and returns the error's text.
fn assert_rejected(result: Result<impl std::fmt::Debug, Error>, field: &str) -> String {
    let error = result.expect_err("the emulator rejects the request");
    assert_eq!(error.status(), Some(400), "{error}");
    let api = error.api_error().expect("an API error");
    let message = api.localized_message.clone().unwrap_or_default();
    assert!(
        message.contains(field),
        "message {message:?} does not name {field}"
    );
    assert!(api.rci.is_some(), "the Status body carries an rci");
    assert!(error.to_string().contains(field), "{error}");
    message
}

#[test]
fn create_active_is_rejected() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let mut active = details();
    active.is_active = Some(true);
    assert_rejected(
        client.create_webhook(&WebhookRequest::new(active)),
        "isActive",
    );
}

#[test]
fn undocumented_event_type_is_rejected() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let odd = WebhookDetails::new("http://127.0.0.1:9/hook", [EventType::from("jobExploded")]);
    assert_rejected(
        client.create_webhook(&WebhookRequest::new(odd)),
        "eventType",
    );
}

#[test]
fn unknown_event_type_comes_back_intact() {
    let emulator = common::emulator_with(|config| config.accept_any_event_type = true);
    let client = common::client(&emulator);
    let odd = WebhookDetails::new(
        "http://127.0.0.1:9/hook",
        [EventType::from("futureEvent"), EventType::DvPublish],
    );
    let created = client.create_webhook(&WebhookRequest::new(odd)).unwrap();
    let kinds: Vec<EventType> = created.details.event_types().cloned().collect();
    assert_eq!(
        kinds,
        vec![EventType::Other("futureEvent".into()), EventType::DvPublish]
    );
    // A read-modify-write sends it back unchanged.
    let updated = client
        .modify_webhook(&created.webhook_id, |details| {
            details.display_name = Some("kept".into())
        })
        .unwrap();
    let kinds: Vec<&str> = updated
        .details
        .event_types()
        .map(EventType::as_str)
        .collect();
    assert_eq!(kinds, vec!["futureEvent", "dvPublish"]);
    let filtered = client
        .list_webhooks(&ListFilter::new().event("futureEvent"))
        .unwrap();
    assert_eq!(filtered.len(), 1);
}

#[test]
fn both_credential_kinds_are_rejected() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let mut credentials = WebhookCredentials::basic("user", "pw");
    credentials.access_token = Some("token".into());
    let request = WebhookRequest::new(details()).credentials(credentials.clone());
    assert_rejected(client.create_webhook(&request), "credentials");

    let created = client
        .create_webhook(&WebhookRequest::new(details()))
        .unwrap();
    assert_rejected(
        client.update_credentials(&created.webhook_id, &credentials),
        "credentials",
    );
}

#[test]
fn key_name_must_exist_and_be_hmac_sha256() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    assert_rejected(
        client.create_webhook(&WebhookRequest::new(details().key_name("missing-key"))),
        "keyName",
    );
    client
        .generate_key(&GenerateKeyRequest::new(
            "sha512-key",
            KeyAlgorithm::HmacSha512,
        ))
        .unwrap();
    assert_rejected(
        client.create_webhook(&WebhookRequest::new(details().key_name("sha512-key"))),
        "keyName",
    );
}

#[test]
fn at_most_20_webhooks() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    for index in 0..20 {
        client
            .create_webhook(&WebhookRequest::new(
                details().display_name(format!("w{index}")),
            ))
            .unwrap();
    }
    let error = client
        .create_webhook(&WebhookRequest::new(details()))
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");
    assert_eq!(client.list_webhooks(&ListFilter::new()).unwrap().len(), 20);
}

#[test]
fn key_rules() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    for name in [
        "short",
        "has space in it",
        "under_score_name",
        &"x".repeat(37),
    ] {
        assert_rejected(
            client.generate_key(&GenerateKeyRequest::new(name, KeyAlgorithm::HmacSha256)),
            "keyName",
        );
    }
    assert_rejected(
        client.generate_key(&GenerateKeyRequest::new(
            "good-name",
            KeyAlgorithm::Other("MD5".into()),
        )),
        "algorithm",
    );
    for index in 0..5 {
        client
            .generate_key(&GenerateKeyRequest::new(
                format!("key-number-{index}"),
                KeyAlgorithm::HmacSha256,
            ))
            .unwrap();
    }
    let error = client
        .generate_key(&GenerateKeyRequest::new(
            "key-number-6",
            KeyAlgorithm::HmacSha256,
        ))
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");
    assert_eq!(client.list_keys().unwrap().key_details.len(), 5);
    let error = client.delete_key("no-such-key").unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

#[test]
fn unknown_id_is_404_for_every_operation() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let id = "00000000-0000-4000-8000-000000000000";
    let results: Vec<(&str, Error)> = vec![
        ("get", client.get_webhook(id).unwrap_err()),
        (
            "update",
            client.update_webhook(id, &Webhook::default()).unwrap_err(),
        ),
        (
            "update credentials",
            client
                .update_credentials(id, &WebhookCredentials::access_token("t"))
                .unwrap_err(),
        ),
        (
            "delete credentials",
            client.delete_credentials(id).unwrap_err(),
        ),
        ("delete", client.delete_webhook(id).unwrap_err()),
        (
            "test event",
            client
                .send_test_event(id, EventType::DvPublish)
                .unwrap_err(),
        ),
    ];
    for (operation, error) in results {
        assert!(error.is_not_found(), "{operation}: {error}");
        assert!(error.to_string().contains(id), "{operation}: {error}");
    }
}

#[test]
fn put_replaces_whole_definition() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let created = client
        .create_webhook(&WebhookRequest::new(details().display_name("named")))
        .unwrap();
    let mut replacement = Webhook::default();
    replacement.webhook_id = created.webhook_id.clone();
    replacement.details = WebhookDetails::new("http://127.0.0.1:9/other", [EventType::AuditEvent]);
    let updated = client
        .update_webhook(&created.webhook_id, &replacement)
        .unwrap();
    assert_eq!(
        updated.details.display_name, None,
        "omitted name is removed"
    );
    assert_eq!(
        updated.details.target_url.as_deref(),
        Some("http://127.0.0.1:9/other")
    );
    assert_eq!(
        updated.details.events,
        Some(vec![EventSubscription::new(EventType::AuditEvent)])
    );
}

#[test]
fn credentials_are_write_only() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let request = WebhookRequest::new(details())
        .credentials(WebhookCredentials::basic("user", "write-only-secret"));
    let created = client.create_webhook(&request).unwrap();
    assert!(created.has_credentials());
    let raw = client
        .send_raw(
            visier_webhooks::Endpoint::GetWebhook(&created.webhook_id),
            None,
        )
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(!text.contains("write-only-secret"), "{text}");
    assert!(!text.contains("\"credentials\""), "{text}");
    assert!(text.contains("credentialReference"), "{text}");
}

#[test]
fn without_credentials_reference_is_empty() {
    let emulator = common::emulator();
    let client: Client = common::client(&emulator);
    let created = client
        .create_webhook(&WebhookRequest::new(details()))
        .unwrap();
    assert_eq!(created.credential_reference.as_deref(), Some(""));
}
