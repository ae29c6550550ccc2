//! Every webhook and key operation against the emulator, over loopback, in both API versions.

mod common;

use visier_webhooks::{
    ApiVersion, Client, EventType, GenerateKeyRequest, KeyAlgorithm, ListFilter,
    WebhookCredentials, WebhookDetails, WebhookRequest,
};
use visier_webhooks_emulator::Emulator;

fn run_lifecycle(emulator: &Emulator, client: &Client, prefix: &str) {
    // Key generation returns the value once; the list never does.
    let generated = client
        .generate_key(&GenerateKeyRequest::new(
            "lifecycle-key",
            KeyAlgorithm::HmacSha256,
        ))
        .unwrap();
    assert_eq!(generated.detail.key_name.as_deref(), Some("lifecycle-key"));
    assert_eq!(generated.detail.algorithm, Some(KeyAlgorithm::HmacSha256));
    assert!(!generated.key.is_empty());
    let keys = client.list_keys().unwrap();
    assert_eq!(keys.key_details.len(), 1);
    assert_eq!(
        keys.key_details[0].key_name.as_deref(),
        Some("lifecycle-key")
    );

    // Create: inactive, basic auth, two job events.
    let details = WebhookDetails::new(
        "http://127.0.0.1:9/receiver",
        [EventType::JobResultSuccess, EventType::JobResultFailure],
    )
    .display_name("lifecycle")
    .key_name("lifecycle-key");
    let created = client
        .create_webhook(
            &WebhookRequest::new(details).credentials(WebhookCredentials::basic("user", "pw")),
        )
        .unwrap();
    let id = created.webhook_id.clone();
    assert!(!id.is_empty());
    assert_eq!(created.details.is_active, Some(false));
    assert_eq!(created.details.display_name.as_deref(), Some("lifecycle"));
    assert_eq!(created.details.key_name.as_deref(), Some("lifecycle-key"));
    assert!(created.has_credentials(), "credentialReference is set");
    let kinds: Vec<_> = created.details.event_types().cloned().collect();
    assert_eq!(
        kinds,
        vec![EventType::JobResultSuccess, EventType::JobResultFailure]
    );

    // List, with and without filters.
    let all = client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].webhook_id, id);
    let active = client
        .list_webhooks(&ListFilter::new().active_only())
        .unwrap();
    assert!(
        active.is_empty(),
        "an inactive webhook is not listed as active"
    );
    let by_event = client
        .list_webhooks(&ListFilter::new().event(EventType::JobResultFailure))
        .unwrap();
    assert_eq!(by_event.len(), 1);
    let other_event = client
        .list_webhooks(&ListFilter::new().event(EventType::DvPublish))
        .unwrap();
    assert!(other_event.is_empty());

    // Get.
    let fetched = client.get_webhook(&id).unwrap();
    assert_eq!(fetched, created);

    // Read-modify-write: activate and rename, everything else kept.
    let updated = client
        .modify_webhook(&id, |details| {
            details.is_active = Some(true);
            details.display_name = Some("renamed".into());
        })
        .unwrap();
    assert_eq!(updated.details.is_active, Some(true));
    assert_eq!(updated.details.display_name.as_deref(), Some("renamed"));
    assert_eq!(updated.details.key_name.as_deref(), Some("lifecycle-key"));
    assert_eq!(updated.details.target_url, created.details.target_url);
    assert_eq!(updated.details.events, created.details.events);
    let active = client
        .list_webhooks(&ListFilter::new().active_only())
        .unwrap();
    assert_eq!(active.len(), 1);

    // Statuses.
    let statuses = client.list_webhook_statuses(&ListFilter::new()).unwrap();
    assert_eq!(statuses.webhooks.len(), 1);
    assert_eq!(statuses.webhooks[0].webhook_id, id);
    assert_eq!(statuses.webhooks[0].details.is_active, Some(true));

    // Credentials: switch to a token, then delete.
    let switched = client
        .update_credentials(&id, &WebhookCredentials::access_token("token-1"))
        .unwrap();
    assert!(switched.has_credentials());
    assert_ne!(switched.credential_reference, created.credential_reference);
    let cleared = client.delete_credentials(&id).unwrap();
    assert_eq!(cleared.credential_reference.as_deref(), Some(""));
    assert!(!cleared.has_credentials());

    // Test event: nothing listens on port 9, so the receiver status is not a success.
    let outcome = client
        .send_test_event(&id, EventType::JobResultSuccess)
        .unwrap();
    assert!(outcome.event_id.is_some());
    assert!(outcome.message_id.is_some());
    assert_ne!(outcome.status_code, Some(200));

    // Delete the webhook, then the key.
    let deleted = client.delete_webhook(&id).unwrap();
    assert_eq!(deleted.webhook_id, id);
    assert!(client.get_webhook(&id).unwrap_err().is_not_found());
    assert!(client.list_webhooks(&ListFilter::new()).unwrap().is_empty());
    let deleted_key = client.delete_key("lifecycle-key").unwrap();
    assert_eq!(deleted_key.key_name.as_deref(), Some("lifecycle-key"));
    assert!(client.list_keys().unwrap().key_details.is_empty());

    // Every webhook call went to the chosen version; keys stay on v1alpha.
    let requests = emulator.requests();
    let webhook_calls: Vec<_> = requests
        .iter()
        .filter(|record| record.target.contains("/op/"))
        .collect();
    assert!(
        webhook_calls.len() >= 12,
        "{} webhook calls",
        webhook_calls.len()
    );
    for record in webhook_calls {
        assert!(
            record.target.starts_with(prefix),
            "{} {} does not start with {prefix}",
            record.method,
            record.target
        );
    }
    assert!(requests.iter().any(|record| record.target
        == "/v1alpha/admin/encryption-keys/lifecycle-key"
        && record.method == "DELETE"));
}

#[test]
fn lifecycle_v1() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    assert_eq!(client.api_version(), ApiVersion::V1);
    run_lifecycle(&emulator, &client, "/v1/op/");
}

#[test]
fn lifecycle_v1beta() {
    let emulator = common::emulator();
    let client = common::client_for_version(&emulator, ApiVersion::V1Beta);
    run_lifecycle(&emulator, &client, "/v1beta/op/");
}

#[test]
fn list_sends_filters_as_query() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    client
        .list_webhooks(
            &ListFilter::new()
                .active_only()
                .event(EventType::AlertNotification),
        )
        .unwrap();
    client
        .list_webhook_statuses(&ListFilter::new().event(EventType::DvPublish))
        .unwrap();
    let targets: Vec<String> = emulator
        .requests()
        .into_iter()
        .map(|record| record.target)
        .filter(|target| target.contains("/op/"))
        .collect();
    assert_eq!(
        targets,
        vec![
            "/v1/op/webhooks?isActive=true&event=alertNotification".to_owned(),
            "/v1/op/webhooks-status?event=dvPublish".to_owned(),
        ]
    );
}

#[test]
fn every_request_sends_api_key_and_json_body() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let created = client
        .create_webhook(&WebhookRequest::new(WebhookDetails::new(
            "http://127.0.0.1:9/",
            [EventType::DvPublish],
        )))
        .unwrap();
    client.get_webhook(&created.webhook_id).unwrap();
    for record in emulator.requests() {
        let header = |name: &str| {
            record
                .headers
                .iter()
                .find(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
        };
        assert!(
            header("apikey").is_some(),
            "{} has no apikey",
            record.target
        );
        if record.target == "/v1/op/webhooks" && record.method == "POST" {
            assert_eq!(header("content-type").as_deref(), Some("application/json"));
            assert!(record.body_len > 0);
        }
        if record.target.starts_with("/v1/op/") {
            assert!(
                header("cookie").is_some(),
                "{} has no security-token cookie",
                record.target
            );
        }
    }
}
