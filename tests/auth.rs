//! Authentication modes, token sharing and renewal, against the emulator.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use visier_webhooks::{Auth, Error, ListFilter};
use visier_webhooks_emulator::{
    Emulator, Fault, FaultAction, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

const SECURE_TOKEN_PATH: &str = "/v1/admin/visierSecureToken";
const OAUTH_PATH: &str = "/v1/auth/oauth2/token";

fn count_requests(emulator: &Emulator, method: &str, target: &str) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|record| record.method == method && record.target == target)
        .count()
}

fn statuses_of(emulator: &Emulator, target: &str) -> Vec<u16> {
    emulator
        .requests()
        .iter()
        .filter(|record| record.target == target)
        .map(|record| record.status)
        .collect()
}

/// Fetches a token straight from the emulator, as another program would.
fn fetch_security_token(emulator: &Emulator) -> String {
    let mut response = ureq::post(format!("{}{SECURE_TOKEN_PATH}", emulator.base_url()))
        .header("apikey", DEFAULT_API_KEY)
        .send_form([("username", DEFAULT_USER), ("password", DEFAULT_PASSWORD)])
        .unwrap();
    response.body_mut().read_to_string().unwrap()
}

#[test]
fn username_password_fetches_one_token() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    for _ in 0..5 {
        client.list_webhooks(&ListFilter::new()).unwrap();
    }
    assert_eq!(count_requests(&emulator, "POST", SECURE_TOKEN_PATH), 1);
    assert_eq!(count_requests(&emulator, "GET", "/v1/op/webhooks"), 5);
}

#[test]
fn oauth_password_grant_sends_bearer() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::oauth_auth())
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    client.list_keys().unwrap();
    assert_eq!(count_requests(&emulator, "POST", OAUTH_PATH), 1);
    let list = emulator
        .requests()
        .into_iter()
        .find(|record| record.target == "/v1/op/webhooks")
        .unwrap();
    let authorization = list
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.clone())
        .expect("authorization header sent");
    assert!(authorization.starts_with("Bearer"), "{authorization}");
}

#[test]
fn oauth_token_renewed_before_expiry() {
    // With a 2 s lifetime the client renews 0.2 s before expiry, so no call meets a 401.
    let emulator = common::emulator_with(|config| config.token_ttl = Duration::from_secs(2));
    let client = common::builder(&emulator, common::oauth_auth())
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    thread::sleep(Duration::from_millis(1900));
    client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(count_requests(&emulator, "POST", OAUTH_PATH), 2);
    assert_eq!(statuses_of(&emulator, "/v1/op/webhooks"), vec![200, 200]);
}

#[test]
fn ready_security_token_is_sent_as_cookie() {
    let emulator = common::emulator();
    let token = fetch_security_token(&emulator);
    let client = common::builder(&emulator, Auth::SecurityToken(token.into()))
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(count_requests(&emulator, "POST", SECURE_TOKEN_PATH), 1);
    assert_eq!(statuses_of(&emulator, "/v1/op/webhooks"), vec![200]);
}

#[test]
fn ready_bearer_token_is_sent() {
    let emulator = common::emulator();
    let mut response = ureq::post(format!("{}{OAUTH_PATH}", emulator.base_url()))
        .header("apikey", DEFAULT_API_KEY)
        .header(
            "authorization",
            "Basic ZW11bGF0b3ItY2xpZW50OmVtdWxhdG9yLXNlY3JldA==",
        )
        .send_form([
            ("grant_type", "password"),
            ("username", DEFAULT_USER),
            ("password", DEFAULT_PASSWORD),
        ])
        .unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let client = common::builder(&emulator, Auth::BearerToken(token.into()))
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(statuses_of(&emulator, "/v1/op/webhooks"), vec![200]);
}

#[test]
fn expired_token_is_renewed_once() {
    let emulator = common::emulator_with(|config| config.token_ttl = Duration::from_secs(1));
    let client = common::client(&emulator);
    client.list_webhooks(&ListFilter::new()).unwrap();
    thread::sleep(Duration::from_millis(1200));
    client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(count_requests(&emulator, "POST", SECURE_TOKEN_PATH), 2);
    assert_eq!(
        statuses_of(&emulator, "/v1/op/webhooks"),
        vec![200, 401, 200]
    );
}

#[test]
fn second_401_is_an_error() {
    let emulator = common::emulator();
    emulator.inject_fault(Fault {
        method: Some("GET".into()),
        path: "/v1/op/webhooks".into(),
        count: 0,
        action: FaultAction::Status {
            status: 401,
            retry_after: None,
            body: None,
        },
    });
    let client = common::client(&emulator);
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    assert_eq!(count_requests(&emulator, "GET", "/v1/op/webhooks"), 2);
    assert_eq!(count_requests(&emulator, "POST", SECURE_TOKEN_PATH), 2);
}

#[test]
fn ready_token_401_is_not_repeated() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, Auth::SecurityToken("not-a-token".into()))
        .build()
        .unwrap();
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(count_requests(&emulator, "GET", "/v1/op/webhooks"), 1);
    assert!(!error.to_string().contains("not-a-token"), "{error}");
}

#[test]
fn wrong_password_is_401_without_secret() {
    let emulator = common::emulator();
    let client = common::builder(
        &emulator,
        Auth::UsernamePassword {
            username: DEFAULT_USER.into(),
            password: "wrong-password-123".into(),
        },
    )
    .build()
    .unwrap();
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("wrong-password-123"), "{shown}");
    assert!(!shown.contains(DEFAULT_API_KEY), "{shown}");
}

#[test]
fn concurrent_threads_share_one_token() {
    let emulator = common::emulator_with(|config| config.token_ttl = Duration::from_secs(1));
    let client = common::client(&emulator);
    let threads = 8;

    let run_round = |client: &visier_webhooks::Client| {
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let client = client.clone();
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    client.list_webhooks(&ListFilter::new())
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap().unwrap();
        }
    };

    // First round: no token yet, one fetch between all threads.
    run_round(&client);
    assert_eq!(count_requests(&emulator, "POST", SECURE_TOKEN_PATH), 1);

    // Second round after expiry: every thread meets a 401, yet one new token serves them all.
    thread::sleep(Duration::from_millis(1200));
    run_round(&client);
    assert_eq!(count_requests(&emulator, "POST", SECURE_TOKEN_PATH), 2);
}

#[test]
fn target_tenant_isolates_state() {
    let emulator = common::emulator();
    let tenant_a = common::builder(&emulator, common::user_auth())
        .target_tenant_id("tenant-a")
        .build()
        .unwrap();
    let tenant_b = common::builder(&emulator, common::user_auth())
        .target_tenant_id("tenant-b")
        .build()
        .unwrap();
    let details = visier_webhooks::WebhookDetails::new(
        "http://127.0.0.1:9/",
        [visier_webhooks::EventType::DvPublish],
    );
    tenant_a
        .create_webhook(&visier_webhooks::WebhookRequest::new(details))
        .unwrap();
    assert_eq!(tenant_a.list_webhooks(&ListFilter::new()).unwrap().len(), 1);
    assert!(tenant_b
        .list_webhooks(&ListFilter::new())
        .unwrap()
        .is_empty());
    assert_eq!(emulator.webhooks(Some("tenant-a")).len(), 1);
    let sent = emulator
        .requests()
        .into_iter()
        .filter(|record| record.target == "/v1/op/webhooks")
        .all(|record| {
            record
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("targettenantid"))
        });
    assert!(sent, "every call carries TargetTenantID");
}

#[test]
fn missing_api_key_is_config_error() {
    let emulator = common::emulator();
    let error = visier_webhooks::Client::builder()
        .host(emulator.base_url())
        .auth(common::user_auth())
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error}");
    assert!(error.to_string().contains("VISIER_APIKEY"), "{error}");
}
