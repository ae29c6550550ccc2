//! Replays the requests of Visier's published webhook code samples (which use `/v1beta` and a
//! security-token cookie) against the emulator, byte for byte as the samples send them, and
//! checks that each response has the documented shape and decodes into this crate's models.

use serde_json::{json, Value};
use visier_webhooks::models::{TestEventResponse, Webhook, WebhookList};
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

struct Session {
    base: String,
    token: String,
}

impl Session {
    fn start(emulator: &Emulator) -> Session {
        let base = emulator.base_url();
        let mut response = ureq::post(format!("{base}/v1/admin/visierSecureToken"))
            .header("apikey", DEFAULT_API_KEY)
            .send_form([("username", DEFAULT_USER), ("password", DEFAULT_PASSWORD)])
            .unwrap();
        let token = response.body_mut().read_to_string().unwrap();
        Session { base, token }
    }

    /// Sends one sample request with the sample's headers and returns the JSON response.
    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let cookie = format!("VisierASIDToken={}", self.token);
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("apikey", DEFAULT_API_KEY)
            .header("Cookie", cookie);
        let mut response = match body {
            Some(body) => {
                request = request.header("Content-Type", "application/json");
                agent.run(request.body(body.as_bytes().to_vec()).unwrap())
            }
            None => agent.run(request.body(()).unwrap()),
        }
        .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(status, 200, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{method} {path}: {error}"))
    }
}

/// Asserts the documented shape of a `WebhookDTO` and that it decodes.
fn assert_webhook_shape(value: &Value) -> Webhook {
    let object = value.as_object().expect("a webhook is an object");
    assert!(object["webhookId"].is_string(), "{value}");
    assert!(object["credentialReference"].is_string(), "{value}");
    let details = object["details"].as_object().expect("details object");
    assert!(details["targetUrl"].is_string(), "{value}");
    assert!(details["isActive"].is_boolean(), "{value}");
    for event in details["events"].as_array().expect("events array") {
        assert!(event["eventType"].is_string(), "{value}");
    }
    serde_json::from_value(value.clone()).expect("the model decodes the sample answer")
}

#[test]
fn code_samples_replay() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let session = Session::start(&emulator);

    // The samples name a key "sampleKey", so it must exist first.
    let key = session.send(
        "POST",
        "/v1alpha/admin/encryption-keys",
        Some(r#"{"keyName": "sampleKey", "algorithm": "HmacSHA256"}"#),
    );
    assert_eq!(key["detail"]["keyName"], "sampleKey");
    assert!(key["key"].is_string());

    // "Create a webhook" with basic authentication.
    let created = session.send(
        "POST",
        "/v1beta/op/webhooks",
        Some(
            r#"{
"details": {
"targetUrl": "https://www.example.com/endpoint",
"isActive": false,
"keyName": "sampleKey",
"events": [
{"eventType": "jobResultSuccess"},
{"eventType": "jobResultFailure"}
],
"displayName": "webhook_name"
},
"credentials": {
"basicAuth": {
"username": "exampleUser",
"password": "examplePassword"
}
}
}"#,
        ),
    );
    let created = assert_webhook_shape(&created);
    assert_eq!(
        created.details.display_name.as_deref(),
        Some("webhook_name")
    );
    assert!(created.has_credentials());
    let id = created.webhook_id.clone();

    // "Create a webhook" without credentials.
    let second = session.send(
        "POST",
        "/v1beta/op/webhooks",
        Some(
            r#"{
"details": {
"targetUrl": "https://www.example.com/endpoint",
"isActive": false,
"keyName": "sampleKey",
"events": [
{"eventType": "jobResultSuccess"},
{"eventType": "jobResultFailure"}
],
"displayName": "webhook_name"
}
}"#,
        ),
    );
    let second = assert_webhook_shape(&second);
    assert_eq!(second.credential_reference.as_deref(), Some(""));

    // "Retrieve a list of webhooks", all and active only.
    let all = session.send("GET", "/v1beta/op/webhooks", None);
    let list: WebhookList = serde_json::from_value(all.clone()).unwrap();
    assert_eq!(list.webhooks.len(), 2);
    for webhook in all["webhooks"].as_array().unwrap() {
        assert_webhook_shape(webhook);
    }
    let active = session.send("GET", "/v1beta/op/webhooks?isActive=true", None);
    assert_eq!(active, json!({"webhooks": []}));

    // "Retrieve a webhook's details".
    let fetched = session.send("GET", &format!("/v1beta/op/webhooks/{id}"), None);
    assert_eq!(assert_webhook_shape(&fetched), created);

    // "Update a webhook's details": the sample activates it and renames it.
    let update_body = json!({
        "webhookId": id,
        "details": {
            "targetUrl": "https://www.example.com/endpoint",
            "isActive": true,
            "keyName": "sampleKey",
            "events": [{"eventType": "jobResultSuccess"}, {"eventType": "jobResultFailure"}],
            "displayName": "webhook_design"
        }
    })
    .to_string();
    let updated = session.send(
        "PUT",
        &format!("/v1beta/op/webhooks/{id}"),
        Some(&update_body),
    );
    let updated = assert_webhook_shape(&updated);
    assert_eq!(
        updated.details.display_name.as_deref(),
        Some("webhook_design")
    );
    assert_eq!(updated.details.is_active, Some(true));

    // "Update a webhook's credentials", basic auth then access token.
    let basic = session.send(
        "PUT",
        &format!("/v1beta/op/webhooks/{id}/credentials"),
        Some(r#"{"basicAuth": {"username": "newUsername", "password": "newPassword"}}"#),
    );
    let basic = assert_webhook_shape(&basic);
    assert!(basic.has_credentials());
    let token = session.send(
        "PUT",
        &format!("/v1beta/op/webhooks/{id}/credentials"),
        Some(r#"{"accessToken": "newToken"}"#),
    );
    let token = assert_webhook_shape(&token);
    assert_ne!(token.credential_reference, basic.credential_reference);

    // "Test a webhook": example.com is not loopback, so the emulator does not deliver, and
    // the answer still has the documented shape.
    let outcome = session.send(
        "POST",
        &format!("/v1beta/op/webhooks/{id}/testEvent"),
        Some(r#"{"eventType": "jobResultSuccess"}"#),
    );
    for field in ["statusCode", "message", "messageId", "eventId"] {
        assert!(
            outcome.get(field).is_some(),
            "{field} missing from {outcome}"
        );
    }
    assert!(outcome["statusCode"].is_i64());
    let decoded: TestEventResponse = serde_json::from_value(outcome).unwrap();
    assert_ne!(decoded.status_code, Some(200));

    // "Delete a webhook's credentials".
    let cleared = session.send(
        "DELETE",
        &format!("/v1beta/op/webhooks/{id}/credentials"),
        None,
    );
    assert_eq!(
        assert_webhook_shape(&cleared)
            .credential_reference
            .as_deref(),
        Some("")
    );

    // "Delete a webhook".
    let deleted = session.send("DELETE", &format!("/v1beta/op/webhooks/{id}"), None);
    assert_eq!(assert_webhook_shape(&deleted).webhook_id, id);
    let remaining = session.send("GET", "/v1beta/op/webhooks", None);
    assert_eq!(remaining["webhooks"].as_array().unwrap().len(), 1);
}
