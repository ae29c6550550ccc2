//! Recognisable secrets never appear in errors, `Debug` output, log lines or the emulator's
//! records, whatever goes wrong; and every attempt is logged.

mod common;

use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;

use common::stub::{Answer, Stub};
use visier_webhooks::{
    Auth, Client, Error, EventType, GenerateKeyRequest, KeyAlgorithm, ListFilter, RetryPolicy,
    WebhookCredentials, WebhookDetails, WebhookRequest,
};
use visier_webhooks_emulator::{Emulator, EmulatorConfig, Fault, FaultAction};

const API_KEY: &str = "SECRET-APIKEY-1111";
const USER: &str = "secret-test-user";
const PASSWORD: &str = "SECRET-PASSWORD-2222";
const CLIENT_ID: &str = "secret-test-client";
const CLIENT_SECRET: &str = "SECRET-CLIENT-3333";
const HOOK_PASSWORD: &str = "SECRET-HOOKPW-4444";
const HOOK_TOKEN: &str = "SECRET-HOOKTOKEN-5555";

struct Capture {
    lines: Mutex<Vec<String>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        // ureq and ureq-proto dump raw request and response bytes at trace level, credentials
        // included; the README recommends keeping those targets below trace. Every other line, this
        // library's and ureq's debug lines among them, is checked for secrets.
        let is_transport_trace =
            record.level() == log::Level::Trace && record.target().starts_with("ureq");
        if is_transport_trace {
            return;
        }
        self.lines.lock().unwrap().push(format!(
            "{} {}: {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture {
    lines: Mutex::new(Vec::new()),
};

fn install_logger() {
    // Only this test binary installs a logger, and only once.
    let _ = log::set_logger(&CAPTURE);
    log::set_max_level(log::LevelFilter::Trace);
}

fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig {
        api_keys: vec![API_KEY.into()],
        users: vec![(USER.into(), PASSWORD.into())],
        oauth_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into())],
        ..EmulatorConfig::default()
    })
    .unwrap()
}

fn oauth_client(url: &str, timeout: Duration) -> Client {
    Client::builder()
        .host(url)
        .api_key(API_KEY)
        .auth(Auth::OAuthPassword {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            username: USER.into(),
            password: PASSWORD.into(),
        })
        .timeout(timeout)
        .max_response_bytes(32 * 1024)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap()
}

fn fault(method: &str, path: &str, action: FaultAction) -> Fault {
    Fault {
        method: Some(method.into()),
        path: path.into(),
        count: 2,
        action,
    }
}

#[test]
fn secrets_never_shown() {
    install_logger();
    let emulator = emulator();
    let client = oauth_client(&emulator.base_url(), Duration::from_millis(500));
    let mut shown = Vec::new();

    // Successful calls with secrets in their bodies.
    let key = client
        .generate_key(&GenerateKeyRequest::new(
            "secret-key-1",
            KeyAlgorithm::HmacSha256,
        ))
        .unwrap();
    let key_value = key.key.expose().to_owned();
    shown.push(format!("{key:?}"));
    let details =
        WebhookDetails::new("http://127.0.0.1:9/", [EventType::DvPublish]).key_name("secret-key-1");
    let request =
        WebhookRequest::new(details).credentials(WebhookCredentials::basic("u", HOOK_PASSWORD));
    shown.push(format!("{request:?}"));
    let created = client.create_webhook(&request).unwrap();
    let id = created.webhook_id.clone();
    let token = WebhookCredentials::access_token(HOOK_TOKEN);
    shown.push(format!("{token:?} {client:?}"));
    client.update_credentials(&id, &token).unwrap();
    client.send_test_event(&id, EventType::DvPublish).unwrap();

    let mut kinds = Vec::new();
    let mut record = |error: Error| {
        kinds.push(
            format!("{error:?}")
                .split(['(', ' ', '{'])
                .next()
                .unwrap()
                .to_owned(),
        );
        shown.push(format!("{error}\n{error:?}"));
    };

    // Every error kind.
    record(
        Client::builder()
            .host(format!("https://user:{PASSWORD}@acme.example"))
            .api_key(API_KEY)
            .auth(Auth::BearerToken(HOOK_TOKEN.into()))
            .build()
            .unwrap_err(),
    );
    record(client.get_webhook("..").unwrap_err());
    record(client.get_webhook("missing").unwrap_err());
    let mut invalid = WebhookRequest::new(WebhookDetails::new("http://127.0.0.1:9/", ["x"]));
    invalid.credentials = Some(WebhookCredentials::basic("u", HOOK_PASSWORD));
    record(client.create_webhook(&invalid).unwrap_err());
    emulator.inject_fault(fault(
        "GET",
        "/v1/op/webhooks",
        FaultAction::Delay(Duration::from_secs(2)),
    ));
    record(client.list_webhooks(&ListFilter::new()).unwrap_err());
    emulator.reset();
    let client = oauth_client(&emulator.base_url(), Duration::from_secs(5));
    emulator.inject_fault(fault(
        "GET",
        "/v1/op/webhooks",
        FaultAction::Oversized { bytes: 1 << 20 },
    ));
    record(client.list_webhooks(&ListFilter::new()).unwrap_err());
    emulator.inject_fault(fault("GET", "/v1alpha/admin", FaultAction::Malformed));
    record(client.list_keys().unwrap_err());
    emulator.inject_fault(fault("POST", "/v1/op/webhooks", FaultAction::Close));
    record(client.create_webhook(&request).unwrap_err());
    emulator.inject_fault(fault(
        "GET",
        "/v1/op/webhooks-status",
        FaultAction::Status {
            status: 429,
            retry_after: Some("999".into()),
            body: None,
        },
    ));
    record(
        client
            .list_webhook_statuses(&ListFilter::new())
            .unwrap_err(),
    );
    let wrong_password = Client::builder()
        .host(emulator.base_url())
        .api_key(API_KEY)
        .auth(Auth::UsernamePassword {
            username: USER.into(),
            password: format!("{PASSWORD}-wrong").into(),
        })
        .build()
        .unwrap();
    record(wrong_password.list_keys().unwrap_err());
    let redirect =
        Stub::start(|_| Answer::json(301, "{}").header("location", "http://127.0.0.1:9/elsewhere"));
    record(
        oauth_client(&redirect.base_url, Duration::from_secs(2))
            .list_keys()
            .unwrap_err(),
    );
    // A TLS server whose CA is not trusted.
    let tls_url = common::tls_server::start_tls_server();
    record(
        oauth_client(&tls_url, Duration::from_secs(2))
            .list_keys()
            .unwrap_err(),
    );
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    record(
        oauth_client(
            &format!("http://127.0.0.1:{closed_port}"),
            Duration::from_secs(2),
        )
        .list_keys()
        .unwrap_err(),
    );

    for kind in [
        "Config",
        "InvalidInput",
        "Api",
        "Timeout",
        "ResponseTooLarge",
        "Decode",
        "OutcomeUnknown",
        "Redirect",
        "Tls",
        "Connection",
    ] {
        assert!(
            kinds.iter().any(|seen| seen == kind),
            "{kind} not provoked: {kinds:?}"
        );
    }

    let logs = CAPTURE.lines.lock().unwrap().clone();
    assert!(
        logs.iter().any(|line| line.contains("attempt 1")),
        "one debug line per attempt"
    );
    assert!(
        logs.iter()
            .any(|line| line.starts_with("WARN") && line.contains("retrying")),
        "a warning per retry"
    );
    let records: Vec<String> = emulator
        .requests()
        .iter()
        .map(|record| format!("{record:?}"))
        .collect();

    let secrets = [
        API_KEY,
        PASSWORD,
        CLIENT_SECRET,
        HOOK_PASSWORD,
        HOOK_TOKEN,
        key_value.as_str(),
    ];
    for (source, texts) in [
        ("errors and Debug", &shown),
        ("logs", &logs),
        ("emulator records", &records),
    ] {
        for text in texts.iter() {
            for secret in secrets {
                assert!(!text.contains(secret), "{source} contain a secret: {text}");
            }
        }
    }
}
