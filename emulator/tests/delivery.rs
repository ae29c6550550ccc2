//! Notifications to a loopback receiver: envelope, signature, credentials, retries, refusals.

mod common;

use std::time::{Duration, Instant};

use common::{send, start, Client, Receiver};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

fn hmac_hex(key: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a webhook for `events`, then activates it with PUT; returns its id.
fn active_webhook(client: &Client, target: &str, events: &[&str], extra: Value) -> String {
    let events: Vec<Value> = events.iter().map(|e| json!({ "eventType": e })).collect();
    let mut body = json!({"details": {"targetUrl": target, "events": events}});
    if let Some(key) = extra.get("keyName") {
        body["details"]["keyName"] = key.clone();
    }
    if let Some(credentials) = extra.get("credentials") {
        body["credentials"] = credentials.clone();
    }
    let created = client.create_webhook(&body);
    let id = created["webhookId"].as_str().unwrap().to_owned();
    let mut details = body["details"].clone();
    details["isActive"] = json!(true);
    let reply = client.op(
        "PUT",
        &format!("webhooks/{id}"),
        Some(&json!({ "details": details })),
    );
    assert_eq!(reply.status, 200, "activate failed: {}", reply.text());
    id
}

#[test]
fn event_delivered_with_signature() {
    let receiver = Receiver::start(vec![200], "ok");
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let (_, key_value) = client.generate_key("signing-key", "HmacSHA256");
    let id = active_webhook(
        &client,
        &receiver.url("/hooks/visier?source=emulator"),
        &["jobResultSuccess"],
        json!({"keyName": "signing-key", "credentials": {"basicAuth": {"username": "hook-user", "password": "hook-pass"}}}),
    );

    let deliveries = emulator.trigger_event(None, "jobResultSuccess", None);
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert_eq!(delivery.webhook_id, id);
    assert_eq!(delivery.status, Some(200));
    assert_eq!(delivery.attempt, 1);
    assert_eq!(delivery.error, None);

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        request.request_line,
        "POST /hooks/visier?source=emulator HTTP/1.1"
    );
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(
        request.body, delivery.body,
        "recorded body differs from the sent body"
    );
    use base64::Engine as _;
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("hook-user:hook-pass")
    );
    assert_eq!(
        request.header("Authorization"),
        Some(expected_auth.as_str())
    );
    let signature = request
        .header("x-visier-signature")
        .expect("signature header");
    assert_eq!(signature, hmac_hex(&key_value, &request.body));
    for (name, value) in &request.headers {
        let recorded = delivery.headers.iter().find(|(n, _)| n == name);
        assert_eq!(
            recorded.map(|(_, v)| v),
            Some(value),
            "header {name} not recorded as sent"
        );
    }

    let envelope: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(envelope["eventType"], "jobResultSuccess");
    assert_eq!(
        envelope["eventId"].as_str(),
        Some(delivery.event_id.as_str())
    );
    let timestamp: i64 = envelope["timestamp"].as_str().unwrap().parse().unwrap();
    assert!(timestamp > 1_600_000_000_000);
    for field in ["jobId", "rootJobId", "parentJobId"] {
        assert!(envelope["event"][field].is_string(), "event lacks {field}");
    }
    assert_eq!(emulator.deliveries(), deliveries);
}

#[test]
fn alert_uses_visier_envelope_type() {
    let receiver = Receiver::start(vec![200], "");
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    active_webhook(
        &client,
        &receiver.url("/"),
        &["alertNotification"],
        json!({}),
    );
    let deliveries = emulator.trigger_event(None, "alertNotification", None);
    assert_eq!(deliveries.len(), 1);
    let envelope: Value = serde_json::from_slice(&deliveries[0].body).unwrap();
    assert_eq!(envelope["eventType"], "ALERT_NOTIFICATION");
    for field in [
        "recipientId",
        "tenantCode",
        "alertNotificationId",
        "alertId",
        "createdDate",
        "alertDetails",
    ] {
        assert!(!envelope["event"][field].is_null(), "alert lacks {field}");
    }
    assert_eq!(deliveries[0].event_type, "alertNotification");
}

#[test]
fn only_active_listening_webhooks_receive() {
    let receiver = Receiver::start(vec![200], "");
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    active_webhook(&client, &receiver.url("/dv"), &["dvPublish"], json!({}));
    client.create_webhook(&json!({"details": {"targetUrl": receiver.url("/inactive"), "events": [{"eventType": "auditEvent"}]}}));
    let listening = active_webhook(&client, &receiver.url("/audit"), &["auditEvent"], json!({}));

    let custom = json!({"custom": true});
    let deliveries = emulator.trigger_event(None, "auditEvent", Some(custom.clone()));
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].webhook_id, listening);
    let envelope: Value = serde_json::from_slice(&deliveries[0].body).unwrap();
    assert_eq!(envelope["event"], custom);
    assert!(emulator
        .trigger_event(Some("other-tenant"), "auditEvent", None)
        .is_empty());
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].request_line, "POST /audit HTTP/1.1");
}

#[test]
fn failed_delivery_is_retried() {
    let receiver = Receiver::start(vec![503, 500, 200], "");
    let emulator = start(|c| c.delivery_retries = 3);
    let client = Client::new(&emulator);
    active_webhook(
        &client,
        &receiver.url("/"),
        &["jobResultFailure"],
        json!({"credentials": {"accessToken": "hook-token"}}),
    );
    let deliveries = emulator.trigger_event(None, "jobResultFailure", None);
    let statuses: Vec<Option<u16>> = deliveries.iter().map(|d| d.status).collect();
    assert_eq!(statuses, vec![Some(503), Some(500), Some(200)]);
    let attempts: Vec<u32> = deliveries.iter().map(|d| d.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert!(deliveries
        .iter()
        .all(|d| d.event_id == deliveries[0].event_id));
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(received
        .iter()
        .all(|r| r.header("Authorization") == Some("Bearer hook-token")));
}

#[test]
fn unreachable_receiver_retries_then_gives_up() {
    // A port that was free a moment ago: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let emulator = start(|c| c.delivery_retries = 2);
    let client = Client::new(&emulator);
    active_webhook(
        &client,
        &format!("http://127.0.0.1:{port}/"),
        &["dvPublish"],
        json!({}),
    );
    let deliveries = emulator.trigger_event(None, "dvPublish", None);
    assert_eq!(deliveries.len(), 3);
    for delivery in &deliveries {
        assert_eq!(delivery.status, None);
        let error = delivery.error.as_deref().unwrap();
        assert!(error.contains("connecting to"), "unexpected error {error}");
    }
}

#[test]
fn delivery_times_out() {
    // Accepts connections but never responds.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}/", silent.local_addr().unwrap());
    let emulator = start(|c| {
        c.delivery_timeout = Duration::from_millis(300);
        c.delivery_retries = 0;
    });
    let client = Client::new(&emulator);
    active_webhook(&client, &target, &["dvPublish"], json!({}));
    let started = Instant::now();
    let deliveries = emulator.trigger_event(None, "dvPublish", None);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(deliveries.len(), 1);
    let error = deliveries[0].error.as_deref().unwrap();
    assert!(
        error.contains("timed out after 300 ms"),
        "unexpected error {error}"
    );
}

#[test]
fn non_loopback_target_is_refused() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    // 192.0.2.1 is a documentation address (RFC 5737); it is only ever a refused target here.
    let id = active_webhook(
        &client,
        "http://192.0.2.1:8080/hook",
        &["dvPublish"],
        json!({}),
    );
    let started = Instant::now();
    let deliveries = emulator.trigger_event(None, "dvPublish", None);
    let elapsed = started.elapsed();
    assert_eq!(deliveries.len(), 1, "a refused target must not be retried");
    let error = deliveries[0].error.as_deref().unwrap();
    assert!(
        error.contains("delivery refused"),
        "unexpected error {error}"
    );
    assert!(
        error.contains("nothing was sent"),
        "unexpected error {error}"
    );
    assert!(
        error.contains("--deliver-to-any-host"),
        "error does not say how to allow it"
    );
    assert_eq!(deliveries[0].status, None);
    // A connection attempt to an unroutable address would take far longer than this.
    assert!(elapsed < Duration::from_millis(200), "took {elapsed:?}");

    let reply = client.op(
        "POST",
        &format!("webhooks/{id}/testEvent"),
        Some(&json!({"eventType": "dvPublish"})),
    );
    assert_eq!(reply.status, 200);
    let answer = reply.json();
    assert_eq!(answer["statusCode"], 0);
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("delivery refused"));
}

#[test]
fn test_event_answers_receiver_status() {
    let receiver = Receiver::start(vec![200, 418], "Sample response from target");
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let created = client.create_webhook(&json!({"details": {"targetUrl": receiver.url("/t"), "events": [{"eventType": "jobResultSuccess"}]}}));
    let id = created["webhookId"].as_str().unwrap();
    // An inactive webhook gets test events, for any valid event type.
    let reply = client.op(
        "POST",
        &format!("webhooks/{id}/testEvent"),
        Some(&json!({"eventType": "smartCompNotification"})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(
        answer["message"],
        "Successfully delivered message. RequestResponse=Sample response from target"
    );
    assert_eq!(answer["messageId"].as_str().unwrap().len(), 36);
    let received = receiver.received();
    let envelope: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(envelope["eventId"], answer["eventId"]);
    assert_eq!(envelope["eventType"], "smartCompNotification");

    // A failing receiver is not retried by a test event.
    let failed = client
        .op(
            "POST",
            &format!("webhooks/{id}/testEvent"),
            Some(&json!({"eventType": "dvPublish"})),
        )
        .json();
    assert_eq!(failed["statusCode"], 418);
    assert_eq!(receiver.received().len(), 2);
    assert_eq!(emulator.deliveries().len(), 2);

    let bad_type = client.op(
        "POST",
        &format!("webhooks/{id}/testEvent"),
        Some(&json!({"eventType": "nope"})),
    );
    common::assert_status_error(&bad_type, 400, "eventType");
    let unknown = client.op(
        "POST",
        "webhooks/unknown/testEvent",
        Some(&json!({"eventType": "dvPublish"})),
    );
    common::assert_status_error(&unknown, 404, "unknown");
}

#[test]
fn control_events_and_raw_bodies() {
    let receiver = Receiver::start(vec![200], "");
    let emulator = start(|_| {});
    let mut client = Client::new(&emulator);
    client.tenant = Some("tenant-a".to_owned());
    active_webhook(
        &client,
        &receiver.url("/"),
        &["jobReschedule"],
        json!({"credentials": {"accessToken": "hook-token"}}),
    );

    let reply = send(
        emulator.addr(),
        "POST",
        "/__emulator/events",
        &[("Content-Type", "application/json")],
        json!({"eventType": "jobReschedule", "tenant": "tenant-a", "event": {"jobId": "j-1"}})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let made = reply.json();
    assert_eq!(made.as_array().unwrap().len(), 1);
    assert_eq!(made[0]["status"], 200);
    let auth = made[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Authorization")
        .unwrap();
    assert_eq!(
        auth["value"], "Bearer ***",
        "Authorization not masked over HTTP"
    );
    let body: Value = serde_json::from_str(made[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["event"], json!({"jobId": "j-1"}));

    let raw = emulator.trigger_raw(
        Some("tenant-a"),
        "jobReschedule",
        b"not json at all".to_vec(),
    );
    assert_eq!(raw.len(), 1);
    assert_eq!(receiver.received()[1].body, b"not json at all");
    // The Rust view keeps the header as sent.
    assert!(raw[0]
        .headers
        .contains(&("Authorization".to_owned(), "Bearer hook-token".to_owned())));

    let listed = send(emulator.addr(), "GET", "/__emulator/deliveries", &[], b"").json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let reset = send(emulator.addr(), "POST", "/__emulator/reset", &[], b"");
    assert_eq!(reset.status, 200);
    assert!(emulator.deliveries().is_empty());
    assert!(emulator.webhooks(Some("tenant-a")).is_empty());
}

#[test]
fn deleted_key_stops_deliveries() {
    let receiver = Receiver::start(vec![200], "");
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    client.generate_key("signing-key", "HmacSHA256");
    active_webhook(
        &client,
        &receiver.url("/"),
        &["dvPublish"],
        json!({"keyName": "signing-key"}),
    );
    let deleted = client.call("DELETE", "/v1alpha/admin/encryption-keys/signing-key", None);
    assert_eq!(deleted.status, 200);
    let deliveries = emulator.trigger_event(None, "dvPublish", None);
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0]
        .error
        .as_deref()
        .unwrap()
        .contains("no longer exists"));
    assert!(receiver.received().is_empty());
}
