//! Fields that a newer server adds survive a read-modify-write, and the security-token
//! request carries the vanity name. A scripted loopback server sends responses that the
//! emulator never sends.

mod common;

use common::stub::{Answer, Stub};
use serde_json::{json, Value};
use visier_webhooks::{Auth, Client, EventType, RetryPolicy};

const WEBHOOK_WITH_EXTRAS: &str = r#"{
  "webhookId": "w-1",
  "details": {
    "targetUrl": "https://receiver.example/hook",
    "isActive": false,
    "events": [{"eventType": "jobResultSuccess", "filter": {"jobType": "extract"}},
               {"eventType": "brandNewEvent"}],
    "keyName": "signing-key",
    "displayName": "with extras",
    "retryPolicy": {"maxRetries": 7},
    "tags": ["a", "b"]
  },
  "credentialReference": "cred-1",
  "createdBy": "someone",
  "lastDelivery": {"status": 200, "at": "1700000000000"}
}"#;

fn stub_client(stub: &Stub) -> Client {
    Client::builder()
        .host(&stub.base_url)
        .vanity("acme")
        .api_key("stub-api-key")
        .auth(Auth::UsernamePassword {
            username: "user".into(),
            password: "pw".into(),
        })
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn script(request: &common::stub::Recorded) -> Answer {
    match (request.method.as_str(), request.target.as_str()) {
        ("POST", "/v1/admin/visierSecureToken") => Answer::text(200, "stub-token"),
        ("GET", "/v1/op/webhooks/w-1") => Answer::json(200, WEBHOOK_WITH_EXTRAS),
        ("PUT", "/v1/op/webhooks/w-1") => {
            // Echo the body, as a server that stores the definition would.
            Answer::json(200, std::str::from_utf8(&request.body).unwrap())
        }
        _ => Answer::json(404, r#"{"code":"NotFound","localizedMessage":"no route"}"#),
    }
}

#[test]
fn read_modify_write_keeps_unknown_fields() {
    let stub = Stub::start(script);
    let client = stub_client(&stub);

    let updated = client
        .modify_webhook("w-1", |details| details.is_active = Some(true))
        .unwrap();
    assert_eq!(updated.details.is_active, Some(true));
    assert_eq!(
        updated.details.events.as_ref().unwrap()[1].event_type,
        EventType::Other("brandNewEvent".into())
    );

    let put = stub
        .requests()
        .into_iter()
        .find(|request| request.method == "PUT")
        .expect("a PUT was sent");
    let sent: Value = serde_json::from_slice(&put.body).unwrap();
    let mut expected: Value = serde_json::from_str(WEBHOOK_WITH_EXTRAS).unwrap();
    expected["details"]["isActive"] = json!(true);
    assert_eq!(sent, expected, "only isActive changed");
}

#[test]
fn security_token_request_sends_vanity_name() {
    let stub = Stub::start(script);
    let client = stub_client(&stub);
    client.get_webhook("w-1").unwrap();

    let requests = stub.requests();
    let token_request = &requests[0];
    assert_eq!(token_request.target, "/v1/admin/visierSecureToken");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(token_request.header("apikey"), Some("stub-api-key"));
    let form = String::from_utf8(token_request.body.clone()).unwrap();
    assert_eq!(form, "username=user&password=pw&vanityName=acme");

    let get = &requests[1];
    assert_eq!(get.header("cookie"), Some("VisierASIDToken=stub-token"));
    assert_eq!(get.header("apikey"), Some("stub-api-key"));
}

#[test]
fn error_body_that_is_not_json_is_kept() {
    let stub = Stub::start(|request| match request.target.as_str() {
        "/v1/admin/visierSecureToken" => Answer::text(200, "stub-token"),
        _ => Answer::text(502, "<html>Bad gateway from a proxy</html>"),
    });
    let client = stub_client(&stub);
    let error = client.get_webhook("w-1").unwrap_err();
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.code, None);
    assert_eq!(api.body, "<html>Bad gateway from a proxy</html>");
    assert!(error.to_string().contains("Bad gateway"), "{error}");
}

#[test]
fn visier_error_body_is_parsed() {
    let stub = Stub::start(|request| match request.target.as_str() {
        "/v1/admin/visierSecureToken" => Answer::text(200, "stub-token"),
        _ => Answer::json(
            403,
            r#"{"code":"Forbidden","localizedMessage":"Missing capability","message":"","rci":"rci-42","userError":true,"newField":1}"#,
        ),
    });
    let client = stub_client(&stub);
    let error = client.get_webhook("w-1").unwrap_err();
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status, 403);
    assert_eq!(api.code.as_deref(), Some("Forbidden"));
    assert_eq!(api.localized_message.as_deref(), Some("Missing capability"));
    assert_eq!(api.rci.as_deref(), Some("rci-42"));
    assert_eq!(api.user_error, Some(true));
    let text = error.to_string();
    assert!(text.contains("403"), "{text}");
    assert!(text.contains("Missing capability"), "{text}");
    assert!(text.contains("rci-42"), "{text}");
}

#[test]
fn undecodable_success_body_is_decode_error() {
    let stub = Stub::start(|request| match request.target.as_str() {
        "/v1/admin/visierSecureToken" => Answer::text(200, "stub-token"),
        _ => Answer::json(200, "{\"webhookId\": 5"),
    });
    let client = stub_client(&stub);
    let error = client.get_webhook("w-1").unwrap_err();
    assert!(
        matches!(error, visier_webhooks::Error::Decode { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("/v1/op/webhooks/w-1"), "{error}");
}

#[test]
fn raw_response_that_is_not_json_is_decode_error() {
    let stub = Stub::start(|request| match request.target.as_str() {
        "/v1/admin/visierSecureToken" => Answer::text(200, "stub-token"),
        _ => Answer::text(200, "not json"),
    });
    let client = stub_client(&stub);
    let error = client
        .send_raw(visier_webhooks::Endpoint::GetWebhook("w-1"), None)
        .unwrap_err();
    assert!(
        matches!(error, visier_webhooks::Error::Decode { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("not valid JSON"), "{error}");
}

#[test]
fn redirect_without_location_is_described() {
    let stub = Stub::start(|request| match request.target.as_str() {
        "/v1/admin/visierSecureToken" => Answer::text(200, "stub-token"),
        _ => Answer::json(302, "{}"),
    });
    let error = stub_client(&stub).get_webhook("w-1").unwrap_err();
    assert!(
        error.to_string().contains("without a Location header"),
        "{error}"
    );
}
