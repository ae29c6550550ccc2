//! Webhook and encryption-key endpoints: rules, responses and state, over loopback sockets.

mod common;

use common::{assert_status_error, send, start, Client};
use serde_json::{json, Value};
use visier_webhooks_emulator::DEFAULT_API_KEY;

fn sample_webhook(target: &str) -> Value {
    json!({
        "details": {
            "targetUrl": target,
            "isActive": false,
            "events": [{"eventType": "jobResultSuccess"}, {"eventType": "jobResultFailure"}],
            "displayName": "webhook_name",
            "unknownField": "ignored"
        },
        "credentials": {"basicAuth": {"username": "u", "password": "p"}},
        "extra": 1
    })
}

#[test]
fn calls_without_credentials_are_rejected() {
    let emulator = start(|_| {});
    let addr = emulator.addr();
    let token = common::security_token(addr);
    let cookie = format!("VisierASIDToken={token}");
    let bearer = format!("Bearer {token}");

    let no_key = send(addr, "GET", "/v1/op/webhooks", &[("Cookie", &cookie)], b"");
    assert_status_error(&no_key, 401, "apikey");
    let bad_key = send(
        addr,
        "GET",
        "/v1/op/webhooks",
        &[("apikey", "wrong"), ("Cookie", &cookie)],
        b"",
    );
    assert_status_error(&bad_key, 401, "apikey");
    let no_token = send(
        addr,
        "GET",
        "/v1/op/webhooks",
        &[("apikey", DEFAULT_API_KEY)],
        b"",
    );
    assert_status_error(&no_token, 401, "missing security token");
    let bad_token = send(
        addr,
        "GET",
        "/v1/op/webhooks",
        &[
            ("apikey", DEFAULT_API_KEY),
            ("Cookie", "VisierASIDToken=nope"),
        ],
        b"",
    );
    assert_status_error(&bad_token, 401, "invalid security token");

    let with_cookie = send(
        addr,
        "GET",
        "/v1/op/webhooks",
        &[("apikey", DEFAULT_API_KEY), ("Cookie", &cookie)],
        b"",
    );
    assert_eq!(with_cookie.status, 200);
    let with_bearer = send(
        addr,
        "GET",
        "/v1beta/op/webhooks",
        &[("apikey", DEFAULT_API_KEY), ("Authorization", &bearer)],
        b"",
    );
    assert_eq!(with_bearer.status, 200);
    assert_eq!(with_bearer.json(), json!({"webhooks": []}));
}

#[test]
fn rate_limit_headers_on_every_answer() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let ok = client.op("GET", "webhooks", None);
    let missing = client.op("GET", "webhooks/unknown-id", None);
    let no_key = send(emulator.addr(), "GET", "/v1/op/webhooks", &[], b"");
    for reply in [&ok, &missing, &no_key] {
        assert_eq!(reply.header("X-RateLimit-Limit-Minute"), Some("100"));
        assert_eq!(reply.header("X-RateLimit-Limit-Hour"), Some("6000"));
        assert!(reply.header("X-RateLimit-Remaining-Minute").is_some());
        assert!(reply.header("X-RateLimit-Remaining-Hour").is_some());
    }
    // The token request counted once, then the two calls above.
    assert_eq!(missing.header("X-RateLimit-Remaining-Minute"), Some("97"));
    assert_eq!(missing.header("X-RateLimit-Remaining-Hour"), Some("5997"));
    assert_eq!(no_key.header("X-RateLimit-Remaining-Minute"), Some("100"));
}

#[test]
fn webhook_lifecycle_on_both_versions() {
    let emulator = start(|_| {});
    for prefix in ["/v1", "/v1beta"] {
        let mut client = Client::new(&emulator);
        client.prefix = prefix;
        let created = client.create_webhook(&sample_webhook("https://example.com/hook"));
        let id = created["webhookId"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36, "webhook id is not a UUID: {id}");
        assert_eq!(&id[14..15], "4", "webhook id is not a UUID v4: {id}");
        assert_eq!(
            created["details"],
            json!({
                "targetUrl": "https://example.com/hook",
                "isActive": false,
                "events": [{"eventType": "jobResultSuccess"}, {"eventType": "jobResultFailure"}],
                "displayName": "webhook_name"
            })
        );
        let reference = created["credentialReference"].as_str().unwrap();
        assert_eq!(reference.len(), 36);
        assert!(created.get("credentials").is_none(), "credentials returned");

        let fetched = client.op("GET", &format!("webhooks/{id}"), None);
        assert_eq!(fetched.status, 200);
        assert_eq!(fetched.json(), created);

        let deleted = client.op("DELETE", &format!("webhooks/{id}"), None);
        assert_eq!(deleted.status, 200);
        assert_eq!(deleted.json(), created);
        let gone = client.op("GET", &format!("webhooks/{id}"), None);
        assert_status_error(&gone, 404, &id);
    }
}

#[test]
fn list_filters_and_statuses() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let first = client.create_webhook(&sample_webhook("http://127.0.0.1:1/a"));
    let second = client.create_webhook(&json!({
        "details": {"targetUrl": "http://127.0.0.1:1/b", "events": [{"eventType": "dvPublish"}]}
    }));
    let second_id = second["webhookId"].as_str().unwrap();
    let activated = client.op(
        "PUT",
        &format!("webhooks/{second_id}"),
        Some(&json!({"details": {
            "targetUrl": "http://127.0.0.1:1/b",
            "isActive": true,
            "events": [{"eventType": "dvPublish"}]
        }})),
    );
    assert_eq!(activated.status, 200, "{}", activated.text());

    let all = client.op("GET", "webhooks", None).json();
    assert_eq!(all["webhooks"].as_array().unwrap().len(), 2);
    let all_explicit = client.op("GET", "webhooks?isActive=false", None).json();
    assert_eq!(all_explicit["webhooks"].as_array().unwrap().len(), 2);
    let active = client.op("GET", "webhooks?isActive=true", None).json();
    assert_eq!(active["webhooks"].as_array().unwrap().len(), 1);
    assert_eq!(active["webhooks"][0]["webhookId"], second["webhookId"]);
    let by_event = client
        .op("GET", "webhooks?event=jobResultFailure", None)
        .json();
    assert_eq!(by_event["webhooks"].as_array().unwrap().len(), 1);
    assert_eq!(by_event["webhooks"][0]["webhookId"], first["webhookId"]);
    let bad_flag = client.op("GET", "webhooks?isActive=yes", None);
    assert_status_error(&bad_flag, 400, "isActive");
    let bad_event = client.op("GET", "webhooks?event=nope", None);
    assert_status_error(&bad_event, 400, "event");

    let statuses = client
        .op("GET", "webhooks-status?isActive=true", None)
        .json();
    assert_eq!(
        statuses,
        json!({"webhooks": [{
            "webhookId": second["webhookId"],
            "details": {"isActive": true, "events": [{"eventType": "dvPublish"}]}
        }]})
    );
    assert_eq!(emulator.webhooks(None).len(), 2);
    assert_eq!(emulator.webhooks(None)[0], first);
}

#[test]
fn put_replaces_whole_definition() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    client.generate_key("signing-key", "HmacSHA256");
    let mut body = sample_webhook("http://127.0.0.1:1/a");
    body["details"]["keyName"] = json!("signing-key");
    let created = client.create_webhook(&body);
    let id = created["webhookId"].as_str().unwrap();
    assert_eq!(created["details"]["keyName"], "signing-key");

    let replaced = client.op(
        "PUT",
        &format!("webhooks/{id}"),
        Some(&json!({"webhookId": id, "details": {"targetUrl": "http://127.0.0.1:1/new"}})),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    let replaced = replaced.json();
    assert_eq!(
        replaced["details"],
        json!({"targetUrl": "http://127.0.0.1:1/new", "isActive": false, "events": []})
    );
    // Credentials are untouched by PUT.
    assert_eq!(
        replaced["credentialReference"],
        created["credentialReference"]
    );
    assert_eq!(
        client.op("GET", &format!("webhooks/{id}"), None).json(),
        replaced
    );

    let mismatch = client.op(
        "PUT",
        &format!("webhooks/{id}"),
        Some(&json!({"webhookId": "other", "details": {}})),
    );
    assert_status_error(&mismatch, 400, "webhookId");
    let unknown = client.op("PUT", "webhooks/unknown", Some(&json!({"details": {}})));
    assert_status_error(&unknown, 404, "unknown");
    let active_without_url = client.op(
        "PUT",
        &format!("webhooks/{id}"),
        Some(&json!({"details": {"isActive": true}})),
    );
    assert_status_error(&active_without_url, 400, "details.targetUrl");
}

#[test]
fn credentials_are_write_only() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let created = client.create_webhook(&json!({"details": {"targetUrl": "http://127.0.0.1:1/"}}));
    let id = created["webhookId"].as_str().unwrap();
    assert_eq!(created["credentialReference"], "");

    let with_token = client.op(
        "PUT",
        &format!("webhooks/{id}/credentials"),
        Some(&json!({"accessToken": "secret-token"})),
    );
    assert_eq!(with_token.status, 200, "{}", with_token.text());
    assert!(!with_token.text().contains("secret-token"));
    let first_reference = with_token.json()["credentialReference"].clone();
    assert_eq!(first_reference.as_str().unwrap().len(), 36);

    let with_basic = client.op(
        "PUT",
        &format!("webhooks/{id}/credentials"),
        Some(&json!({"basicAuth": {"username": "user", "password": "secret-password"}})),
    );
    assert_eq!(with_basic.status, 200);
    assert!(!with_basic.text().contains("secret-password"));
    assert_ne!(with_basic.json()["credentialReference"], first_reference);

    let listed = client.op("GET", "webhooks", None).text();
    assert!(!listed.contains("secret-password"));
    assert!(!listed.contains("\"credentials\""));

    let both = client.op(
        "PUT",
        &format!("webhooks/{id}/credentials"),
        Some(&json!({"accessToken": "t", "basicAuth": {"username": "u", "password": "p"}})),
    );
    assert_status_error(&both, 400, "at most one");
    let no_password = client.op(
        "PUT",
        &format!("webhooks/{id}/credentials"),
        Some(&json!({"basicAuth": {"username": "u"}})),
    );
    assert_status_error(&no_password, 400, "basicAuth.password");
    let empty = client.op(
        "PUT",
        &format!("webhooks/{id}/credentials"),
        Some(&json!({})),
    );
    assert_status_error(&empty, 400, "basicAuth or accessToken");

    let removed = client.op("DELETE", &format!("webhooks/{id}/credentials"), None);
    assert_eq!(removed.status, 200);
    assert_eq!(removed.json()["credentialReference"], "");
    let unknown = client.op("DELETE", "webhooks/unknown/credentials", None);
    assert_status_error(&unknown, 404, "unknown");
}

#[test]
fn create_rules_each_rejected() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    client.generate_key("sha512-key", "HmacSHA512");
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"details": {"isActive": true, "targetUrl": "http://127.0.0.1:1/"}}),
            "details.isActive",
        ),
        (
            json!({"details": {"events": [{"eventType": "nope"}]}}),
            "details.events[0].eventType",
        ),
        (
            json!({"details": {"events": ["jobResultSuccess"]}}),
            "details.events[0].eventType",
        ),
        (
            json!({"details": {"targetUrl": "ftp://example.com/"}}),
            "details.targetUrl",
        ),
        (
            json!({"details": {"targetUrl": "not a url"}}),
            "details.targetUrl",
        ),
        (
            json!({"details": {"keyName": "missing-key"}}),
            "details.keyName",
        ),
        (json!({"details": {"keyName": "sha512-key"}}), "HmacSHA256"),
        (
            json!({"details": {}, "credentials": {"accessToken": "t", "basicAuth": {"username": "u", "password": "p"}}}),
            "at most one",
        ),
        (
            json!({"details": {}, "credentials": {"basicAuth": {"password": "p"}}}),
            "credentials.basicAuth.username",
        ),
        (json!({"details": {"isActive": "no"}}), "details.isActive"),
        (json!([1, 2]), "JSON object"),
    ];
    for (body, needle) in cases {
        let reply = client.op("POST", "webhooks", Some(&body));
        assert_status_error(&reply, 400, needle);
        assert_eq!(reply.json()["code"], "InvalidParam");
    }
    let malformed = client.call("POST", "/v1/op/webhooks", None);
    assert_status_error(&malformed, 400, "request body is missing");
    let cookie = format!("VisierASIDToken={}", client.token);
    let broken = send(
        emulator.addr(),
        "POST",
        "/v1/op/webhooks",
        &[("apikey", DEFAULT_API_KEY), ("Cookie", &cookie)],
        b"{\"details\": ",
    );
    assert_status_error(&broken, 400, "invalid JSON");
    assert!(
        emulator.webhooks(None).is_empty(),
        "a rejected webhook was stored"
    );
}

#[test]
fn webhook_limit_per_tenant() {
    let emulator = start(|_| {});
    let mut client = Client::new(&emulator);
    for _ in 0..20 {
        client.create_webhook(&json!({"details": {}}));
    }
    let over = client.op("POST", "webhooks", Some(&json!({"details": {}})));
    assert_status_error(&over, 400, "at most 20 webhooks");

    client.tenant = Some("other-tenant".to_owned());
    let other = client.op("GET", "webhooks", None).json();
    assert_eq!(other["webhooks"], json!([]));
    client.create_webhook(&json!({"details": {}}));
    assert_eq!(emulator.webhooks(Some("other-tenant")).len(), 1);
    assert_eq!(emulator.webhooks(None).len(), 20);
}

#[test]
fn any_event_type_when_configured() {
    let emulator = start(|c| c.accept_any_event_type = true);
    let client = Client::new(&emulator);
    let created = client.create_webhook(&json!({
        "details": {"events": [{"eventType": "brandNewEvent"}]}
    }));
    assert_eq!(
        created["details"]["events"],
        json!([{"eventType": "brandNewEvent"}])
    );
    let empty = client.op(
        "POST",
        "webhooks",
        Some(&json!({"details": {"events": [{"eventType": ""}]}})),
    );
    assert_status_error(&empty, 400, "must not be empty");
}

#[test]
fn percent_encoded_ids_are_decoded() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let reply = client.op("GET", "webhooks/a%2Fb%23c%3Fd", None);
    assert_status_error(&reply, 404, "\"a/b#c?d\"");
    let records = emulator.requests();
    let last = records.last().unwrap();
    assert_eq!(last.target, "/v1/op/webhooks/a%2Fb%23c%3Fd");
    assert_eq!(last.status, 404);
}

#[test]
fn unknown_paths_and_methods() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let missing = client.call("GET", "/v2/op/webhooks", None);
    assert_status_error(&missing, 404, "/v2/op/webhooks");
    let wrong_method = client.call("PATCH", "/v1/op/webhooks", None);
    assert_status_error(&wrong_method, 405, "PATCH");
    assert_eq!(wrong_method.header("Allow"), Some("GET, POST"));
}

#[test]
fn encryption_key_rules() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let (detail, value) = client.generate_key("first-key", "HmacSHA256");
    assert_eq!(detail["keyName"], "first-key");
    assert_eq!(detail["algorithm"], "HmacSHA256");
    assert_eq!(detail["generatedBy"], common_user());
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&value)
        .unwrap();
    assert_eq!(bytes.len(), 32);
    let generated: i64 = detail["dateGenerated"].as_str().unwrap().parse().unwrap();
    let expiry: i64 = detail["expiryDate"].as_str().unwrap().parse().unwrap();
    let two_years_ms = 730 * 86_400_000i64;
    assert!(
        (expiry - generated - two_years_ms).abs() <= 86_400_000,
        "default expiry is not 2 years"
    );

    let keys = "/v1alpha/admin/encryption-keys";
    let listed = client.call("GET", keys, None).json();
    assert_eq!(listed["keyDetails"], json!([detail]));
    assert!(
        !client.call("GET", keys, None).text().contains(&value),
        "key value listed"
    );

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"keyName": "short", "algorithm": "HmacSHA256"}),
            "6 to 36",
        ),
        (
            json!({"keyName": "bad_name!", "algorithm": "HmacSHA256"}),
            "6 to 36",
        ),
        (
            json!({"keyName": "x".repeat(37), "algorithm": "HmacSHA256"}),
            "6 to 36",
        ),
        (
            json!({"keyName": "good-name", "algorithm": "HmacMD5"}),
            "algorithm",
        ),
        (json!({"keyName": "good-name"}), "algorithm is missing"),
        (
            json!({"keyName": "first-key", "algorithm": "HmacSHA256"}),
            "already used",
        ),
        (
            json!({"keyName": "good-name", "algorithm": "HmacSHA256", "expiryDate": "2001-01-01"}),
            "between 2 and 10 years",
        ),
        (
            json!({"keyName": "good-name", "algorithm": "HmacSHA256", "expiryDate": "2999-01-01T00:00:00Z"}),
            "between 2 and 10 years",
        ),
        (
            json!({"keyName": "good-name", "algorithm": "HmacSHA256", "expiryDate": "soon"}),
            "ISO-8601",
        ),
    ];
    for (body, needle) in cases {
        let reply = client.call("POST", keys, Some(&body));
        assert_status_error(&reply, 400, needle);
    }
    let five_years = client.call(
        "POST",
        keys,
        Some(&json!({"keyName": "five-years", "algorithm": "HmacSHA384", "expiryDate": iso_years_ahead(5)})),
    );
    assert_eq!(five_years.status, 200, "{}", five_years.text());
    for name in ["key-three", "key-four", "key-five"] {
        client.generate_key(name, "HmacSHA224");
    }
    let sixth = client.call(
        "POST",
        keys,
        Some(&json!({"keyName": "key-six", "algorithm": "HmacSHA256"})),
    );
    assert_status_error(&sixth, 400, "at most 5");

    let deleted = client.call("DELETE", &format!("{keys}/first-key"), None);
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json(), json!({"keyName": "first-key"}));
    let again = client.call("DELETE", &format!("{keys}/first-key"), None);
    assert_status_error(&again, 404, "first-key");
}

fn common_user() -> &'static str {
    visier_webhooks_emulator::DEFAULT_USER
}

/// Returns an ISO-8601 date about `years` years from now (365.25 days a year).
fn iso_years_ahead(years: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let days = (now + years * 31_557_600) / 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T00:00:00Z")
}

#[test]
fn credentials_with_control_characters_rejected() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let created = client.create_webhook(&json!({"details": {"targetUrl": "http://127.0.0.1:1/"}}));
    let id = created["webhookId"].as_str().unwrap();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"accessToken": "token\r\nX-Injected: yes"}),
            "accessToken must not contain control characters",
        ),
        (json!({"accessToken": "token\n"}), "accessToken"),
        (json!({"accessToken": "to\u{7f}ken"}), "accessToken"),
        (json!({"accessToken": "to\u{0}ken"}), "accessToken"),
        (
            json!({"basicAuth": {"username": "user\r\nX-Injected: yes", "password": "p"}}),
            "basicAuth.username must not contain control characters",
        ),
        (
            json!({"basicAuth": {"username": "user", "password": "pass\tword"}}),
            "basicAuth.password must not contain control characters",
        ),
        (
            json!({"basicAuth": {"username": "us:er", "password": "p"}}),
            "basicAuth.username must not contain ':'",
        ),
    ];
    for (credentials, needle) in &cases {
        let reply = client.op(
            "PUT",
            &format!("webhooks/{id}/credentials"),
            Some(credentials),
        );
        assert_status_error(&reply, 400, needle);
        assert_eq!(reply.json()["code"], "InvalidParam");

        let create = client.op(
            "POST",
            "webhooks",
            Some(&json!({"details": {}, "credentials": credentials})),
        );
        assert_status_error(&create, 400, &format!("credentials.{needle}"));
    }
    assert_eq!(
        emulator.webhooks(None).len(),
        1,
        "a rejected webhook was stored"
    );
    assert_eq!(
        emulator.webhooks(None)[0]["credentialReference"],
        "",
        "rejected credentials were stored"
    );

    // RFC 7617 allows a colon in the password, and non-ASCII text is not a control character.
    let colon_password = client.op(
        "PUT",
        &format!("webhooks/{id}/credentials"),
        Some(&json!({"basicAuth": {"username": "usér", "password": "pa:ss"}})),
    );
    assert_eq!(colon_password.status, 200, "{}", colon_password.text());
}

#[test]
fn activation_requires_events() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let created = client.create_webhook(&json!({"details": {"targetUrl": "http://127.0.0.1:1/"}}));
    let id = created["webhookId"].as_str().unwrap();
    assert_eq!(created["details"]["events"], json!([]));

    for details in [
        json!({"targetUrl": "http://127.0.0.1:1/", "isActive": true}),
        json!({"targetUrl": "http://127.0.0.1:1/", "isActive": true, "events": []}),
        json!({"targetUrl": "http://127.0.0.1:1/", "isActive": true, "events": null}),
    ] {
        let reply = client.op(
            "PUT",
            &format!("webhooks/{id}"),
            Some(&json!({ "details": details })),
        );
        assert_status_error(&reply, 400, "details.events");
    }
    assert_eq!(emulator.webhooks(None)[0]["details"]["isActive"], false);

    let inactive = client.op(
        "PUT",
        &format!("webhooks/{id}"),
        Some(&json!({"details": {"targetUrl": "http://127.0.0.1:1/", "isActive": false}})),
    );
    assert_eq!(inactive.status, 200, "{}", inactive.text());
    let active = client.op(
        "PUT",
        &format!("webhooks/{id}"),
        Some(&json!({"details": {
            "targetUrl": "http://127.0.0.1:1/",
            "isActive": true,
            "events": [{"eventType": "dvPublish"}]
        }})),
    );
    assert_eq!(active.status, 200, "{}", active.text());
    assert_eq!(active.json()["details"]["isActive"], true);
}
