//! A mutation fuzzer run for a bounded time: arbitrary bytes go to response decoding (through
//! the real client and a loopback server), to notification parsing and verification, and to
//! every JSON input of the C layer. Nothing may panic or crash.
//!
//! The run lasts `VW_FUZZ_SECONDS` seconds per target (default 2). To fuzz longer:
//!
//! ```text
//! VW_FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture
//! ```

mod common;

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::stub::{Answer, Stub};
use visier_webhooks::ffi::*;
use visier_webhooks::models::{
    EncryptionKeyList, GeneratedKey, TestEventResponse, Webhook, WebhookList, WebhookStatusList,
};
use visier_webhooks::notification::{verify_and_parse, Notification};
use visier_webhooks::{Auth, Client, ListFilter, RetryPolicy};

/// Seeds: well-formed bodies of every shape, and some near misses.
const SEEDS: &[&str] = &[
    r#"{"webhooks":[{"webhookId":"a","details":{"targetUrl":"https://x","isActive":true,"events":[{"eventType":"jobResultSuccess"}],"keyName":"k","displayName":"d"},"credentialReference":""}]}"#,
    r#"{"webhookId":"a","details":{"events":[{"eventType":"other"}]},"extra":{"n":[1,2.5e3,null,true]}}"#,
    r#"{"statusCode":200,"message":"ok","messageId":"m","eventId":"726"}"#,
    r#"{"keyDetails":[{"keyName":"k","algorithm":"HmacSHA256","dateGenerated":"1"}]}"#,
    r#"{"detail":{"keyName":"key-name"},"key":"c2VjcmV0"}"#,
    r#"{"code":"InvalidParam","localizedMessage":"bad","rci":"r","userError":true}"#,
    r#"{"timestamp":"1700000000000","eventId":"e","eventType":"ALERT_NOTIFICATION","event":{"jobid":"j","alertDetails":{}}}"#,
    r#"{"host":"http://127.0.0.1:9","apiKey":"k","securityToken":"t","timeoutMs":100}"#,
    r#"{"details":{"targetUrl":"http://127.0.0.1:9/","isActive":false,"events":[{"eventType":"dvPublish"}]},"credentials":{"basicAuth":{"username":"u","password":"p"}}}"#,
    "\"\\ud800\"",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "",
];

/// xorshift64*: a small, seeded generator, so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(7) {
            0 if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(data.len() + 1);
                data.insert(at, rng.next() as u8);
            }
            2 if !data.is_empty() => {
                let at = rng.below(data.len());
                data.remove(at);
            }
            3 => {
                let at = rng.below(data.len() + 1);
                data.truncate(at);
            }
            4 => {
                let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                let from = rng.below(other.len() + 1);
                let at = rng.below(data.len() + 1);
                data.splice(at..at, other[from..].iter().copied());
            }
            5 => {
                let tokens: [&[u8]; 8] =
                    [b"{", b"}", b"[", b"\"", b":", b",", b"\\u0000", b"1e999"];
                let at = rng.below(data.len() + 1);
                let token = tokens[rng.below(tokens.len())];
                data.splice(at..at, token.iter().copied());
            }
            _ => {
                let at = rng.below(data.len() + 1);
                let bytes: Vec<u8> = (0..rng.below(16)).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
        }
    }
    data
}

fn budget() -> Duration {
    let seconds = std::env::var("VW_FUZZ_SECONDS")
        .ok()
        .and_then(|value| value.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(seconds)
}

/// Runs `target` on mutated inputs until the time budget is spent; returns the count.
fn fuzz(name: &str, seed: u64, mut target: impl FnMut(&[u8])) -> u64 {
    let mut rng = Rng(seed);
    let started = Instant::now();
    let deadline = budget();
    let mut runs = 0;
    for input in SEEDS {
        target(input.as_bytes());
    }
    while started.elapsed() < deadline {
        let base = SEEDS[rng.below(SEEDS.len())].as_bytes();
        let input = mutate(&mut rng, base);
        target(&input);
        runs += 1;
    }
    eprintln!(
        "{name}: {runs} inputs in {:?} (seed {seed})",
        started.elapsed()
    );
    runs
}

#[test]
fn fuzz_model_decoding() {
    let runs = fuzz("model decoding", 0x5EED_0001, |input| {
        let _ = serde_json::from_slice::<WebhookList>(input);
        let _ = serde_json::from_slice::<Webhook>(input);
        let _ = serde_json::from_slice::<WebhookStatusList>(input);
        let _ = serde_json::from_slice::<TestEventResponse>(input);
        let _ = serde_json::from_slice::<EncryptionKeyList>(input);
        let _ = serde_json::from_slice::<GeneratedKey>(input);
        if let Ok(webhook) = serde_json::from_slice::<Webhook>(input) {
            // What decodes must encode again and decode to the same value.
            let again: Webhook =
                serde_json::from_slice(&serde_json::to_vec(&webhook).unwrap()).unwrap();
            assert_eq!(again, webhook);
        }
    });
    assert!(runs > 0);
}

#[test]
fn fuzz_notification_parsing() {
    let runs = fuzz("notification parsing", 0x5EED_0002, |input| {
        if let Ok(notification) = Notification::parse(input) {
            let _ = notification.kind();
            let _ = notification.job_event();
            let _ = notification.alert();
            let _ = notification.normalized_json();
            let _ = notification.timestamp_millis();
        }
        let signature = &input[..input.len().min(64)];
        let headers = [("x-visier-signature".as_bytes(), signature)];
        let _ = verify_and_parse(headers, input, b"key");
    });
    assert!(runs > 0);
}

#[test]
fn fuzz_responses_through_client() {
    // The loopback server responds to each request with the next fuzzed body and status.
    let next: Arc<Mutex<(u16, Vec<u8>)>> = Arc::new(Mutex::new((200, Vec::new())));
    let shared = Arc::clone(&next);
    let stub = Stub::start(move |_| {
        let (status, body) = shared.lock().unwrap().clone();
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        }
    });
    let client = Client::builder()
        .host(&stub.base_url)
        .api_key("k")
        .auth(Auth::SecurityToken("t".into()))
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut rng = Rng(0x5EED_0003);
    let statuses = [200, 200, 200, 400, 401, 404, 429, 500, 503];
    let runs = fuzz("responses through the client", 0x5EED_0004, |input| {
        *next.lock().unwrap() = (statuses[rng.below(statuses.len())], input.to_vec());
        match rng.below(4) {
            0 => drop(client.list_webhooks(&ListFilter::new())),
            1 => drop(client.get_webhook("w")),
            2 => drop(client.list_keys()),
            _ => drop(client.send_test_event("w", "dvPublish")),
        }
    });
    assert!(runs > 0);
}

/// Calls `function` and frees what it wrote to `json_out`.
fn call_and_free(function: impl FnOnce(*mut *mut c_char) -> vw_result) {
    let mut out: *mut c_char = ptr::null_mut();
    let _ = function(&mut out);
    vw_string_free(out);
}

#[test]
fn fuzz_c_layer_json_inputs() {
    let emulator = common::emulator();
    let config = format!(
        r#"{{"host":"{}","apiKey":"{}","username":"{}","password":"{}","maxAttempts":1,"timeoutMs":2000}}"#,
        emulator.base_url(),
        visier_webhooks_emulator::DEFAULT_API_KEY,
        visier_webhooks_emulator::DEFAULT_USER,
        visier_webhooks_emulator::DEFAULT_PASSWORD
    );
    let config = CString::new(config).unwrap();
    let mut client: *mut vw_client = ptr::null_mut();
    assert_eq!(
        vw_client_new(config.as_ptr(), &mut client),
        vw_result::VW_OK
    );

    let mut rng = Rng(0x5EED_0005);
    let runs = fuzz("C layer JSON inputs", 0x5EED_0006, |input| {
        // Inputs with a NUL byte are cut there, as a C string would be.
        let end = input
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(input.len());
        let text = CString::new(&input[..end]).unwrap();
        let id = CString::new("00000000-0000-4000-8000-000000000000").unwrap();
        match rng.below(6) {
            0 => {
                let mut fuzzed: *mut vw_client = ptr::null_mut();
                if vw_client_new(text.as_ptr(), &mut fuzzed) == vw_result::VW_OK {
                    vw_client_free(fuzzed);
                }
            }
            1 => call_and_free(|out| vw_create_webhook(client, text.as_ptr(), out)),
            2 => call_and_free(|out| vw_update_webhook(client, id.as_ptr(), text.as_ptr(), out)),
            3 => {
                call_and_free(|out| vw_update_credentials(client, id.as_ptr(), text.as_ptr(), out))
            }
            4 => call_and_free(|out| vw_generate_key(client, text.as_ptr(), out)),
            _ => call_and_free(|out| vw_get_webhook(client, text.as_ptr(), out)),
        }
        // The last error is always readable JSON when set.
        let mut last: *mut c_char = ptr::null_mut();
        assert_eq!(vw_last_error(&mut last), vw_result::VW_OK);
        if !last.is_null() {
            // SAFETY: vw_last_error returns NULL or a NUL-terminated string owned by the caller.
            let text = unsafe { CStr::from_ptr(last) }.to_str().unwrap().to_owned();
            serde_json::from_str::<serde_json::Value>(&text).unwrap();
            vw_string_free(last);
        }
    });
    vw_client_free(client);
    // At most 20 webhooks may exist, so most creates fail; that is expected.
    assert!(runs > 0);
}
