//! The Rust benchmark clients follow the client contract against a real emulator: they send
//! the warm-up and timed requests, and write one timing per call.

use std::process::Command;

use visier_webhooks::{Auth, Client, WebhookDetails, WebhookRequest};
use visier_webhooks_bench::stats::parse_timings;
use visier_webhooks_bench::{OPERATIONS, WARMUP_CALLS};
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

const CALLS: usize = 5;

fn seed(emulator: &Emulator) -> String {
    let client = Client::builder()
        .host(emulator.base_url())
        .api_key(DEFAULT_API_KEY)
        .auth(Auth::UsernamePassword {
            username: DEFAULT_USER.to_owned(),
            password: DEFAULT_PASSWORD.into(),
        })
        .build()
        .unwrap();
    let details = WebhookDetails::new("http://127.0.0.1:9/bench", ["dvPublish"]);
    client
        .create_webhook(&WebhookRequest::new(details))
        .unwrap()
        .webhook_id
}

fn check_client(program: &str) {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let webhook_id = seed(&emulator);
    let output = std::env::temp_dir().join(format!(
        "bench-client-{}-{}.timings",
        std::process::id(),
        program.rsplit('/').next().unwrap()
    ));
    let status = Command::new(program)
        .arg(&webhook_id)
        .arg(CALLS.to_string())
        .arg(&output)
        .env_clear()
        .env("VISIER_HOST", emulator.base_url())
        .env("VISIER_APIKEY", DEFAULT_API_KEY)
        .env("VISIER_USERNAME", DEFAULT_USER)
        .env("VISIER_PASSWORD", DEFAULT_PASSWORD)
        .status()
        .unwrap();
    assert!(status.success(), "{program} exited with {status}");

    let timings = parse_timings(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let _ = std::fs::remove_file(&output);
    for operation in OPERATIONS {
        assert_eq!(timings[operation].len(), CALLS, "{operation} timings");
        assert!(timings[operation].iter().all(|&ns| ns > 0), "{operation}");
    }

    let path = format!("/v1/op/webhooks/{webhook_id}");
    let requests = emulator.requests();
    let count = |method: &str, target: &str| {
        requests
            .iter()
            .filter(|record| record.method == method && record.target == target)
            .count()
    };
    assert_eq!(count("POST", "/v1/admin/visierSecureToken"), 2, "tokens");
    assert_eq!(count("GET", &path), WARMUP_CALLS + CALLS, "gets");
    assert_eq!(count("GET", "/v1/op/webhooks"), CALLS, "lists");
    assert_eq!(count("PUT", &path), CALLS, "puts");
    assert!(
        requests.iter().all(|record| record.status == 200),
        "a request failed: {requests:?}"
    );
}

#[test]
fn library_client_sends_every_call() {
    check_client(env!("CARGO_BIN_EXE_bench-library-client"));
}

#[test]
fn tcp_client_sends_every_call() {
    check_client(env!("CARGO_BIN_EXE_bench-tcp-client"));
}
