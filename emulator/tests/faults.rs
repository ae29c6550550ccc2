//! Fault injection through the Rust API and the control endpoint.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{assert_status_error, read_reply, send, start, Client};
use serde_json::{json, Value};
use visier_webhooks_emulator::{Fault, FaultAction};

fn fault(method: Option<&str>, path: &str, count: u32, action: FaultAction) -> Fault {
    Fault {
        method: method.map(str::to_owned),
        path: path.to_owned(),
        count,
        action,
    }
}

#[test]
fn status_fault_applies_count_times() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    emulator.inject_fault(fault(
        Some("GET"),
        "/v1/op/webhooks",
        2,
        FaultAction::Status {
            status: 503,
            retry_after: Some("1".to_owned()),
            body: None,
        },
    ));
    // A POST to the same path does not match a GET fault.
    client.create_webhook(&json!({"details": {}}));
    for _ in 0..2 {
        let reply = client.op("GET", "webhooks", None);
        assert_status_error(&reply, 503, "fault injected");
        assert_eq!(reply.header("Retry-After"), Some("1"));
        assert!(reply.header("X-RateLimit-Remaining-Minute").is_some());
    }
    let third = client.op("GET", "webhooks", None);
    assert_eq!(third.status, 200);
    let statuses: Vec<u16> = emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 200, 503, 503, 200]);
}

#[test]
fn status_fault_with_custom_body() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    emulator.inject_fault(fault(
        None,
        "/v1/op/",
        1,
        FaultAction::Status {
            status: 429,
            retry_after: None,
            body: Some("{\"error\":\"slow down\"}".to_owned()),
        },
    ));
    let reply = client.op("GET", "webhooks-status", None);
    assert_eq!(reply.status, 429);
    assert_eq!(reply.text(), "{\"error\":\"slow down\"}");
    assert_eq!(reply.header("X-RateLimit-Remaining-Minute"), Some("0"));
}

#[test]
fn delay_fault_then_normal_answer() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    emulator.inject_fault(fault(
        None,
        "/v1/op/webhooks",
        1,
        FaultAction::Delay(Duration::from_millis(400)),
    ));
    let started = Instant::now();
    let reply = client.op("GET", "webhooks", None);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"webhooks": []}));
}

#[test]
fn close_fault_sends_nothing() {
    let emulator = start(|_| {});
    emulator.inject_fault(fault(None, "/v1/op/webhooks", 1, FaultAction::Close));
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /v1/op/webhooks HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    assert!(
        read.is_ok() || answer.is_empty(),
        "unexpected read result {read:?}"
    );
    assert!(
        answer.is_empty(),
        "got an answer: {}",
        String::from_utf8_lossy(&answer)
    );
    let records = emulator.requests();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, 0);
}

#[test]
fn malformed_fault_body_is_not_json() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    emulator.inject_fault(fault(
        Some("get"),
        "/v1/op/webhooks",
        1,
        FaultAction::Malformed,
    ));
    let reply = client.op("GET", "webhooks", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("application/json"));
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
}

#[test]
fn oversized_fault_streams_exact_length() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    emulator.inject_fault(fault(
        None,
        "/v1/op/webhooks",
        1,
        FaultAction::Oversized { bytes: 200_000 },
    ));
    let reply = client.op("GET", "webhooks", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), 200_000);
    assert!(reply.body.starts_with(b"{\"webhooks\":["));
}

#[test]
fn endless_fault_streams_until_client_closes() {
    let emulator = start(|_| {});
    emulator.inject_fault(fault(
        None,
        "/v1/op/webhooks",
        1,
        FaultAction::Oversized { bytes: u64::MAX },
    ));
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /v1/op/webhooks HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut total = 0usize;
    let mut buf = [0u8; 65536];
    while total < 4 * 1024 * 1024 {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "stream ended after {total} bytes");
        total += n;
    }
    drop(stream);
    // The emulator notices the closed socket and keeps serving others.
    let client = Client::new(&emulator);
    assert_eq!(client.op("GET", "webhooks", None).status, 200);
}

#[test]
fn faults_over_http_control() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let body = json!({
        "method": "GET", "path": "/v1/op/webhooks", "count": 1,
        "action": "status", "status": 502, "retryAfter": "2", "body": "{\"x\":1}"
    });
    let reply = send(
        emulator.addr(),
        "POST",
        "/__emulator/faults",
        &[],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let faulted = client.op("GET", "webhooks", None);
    assert_eq!(faulted.status, 502);
    assert_eq!(faulted.header("Retry-After"), Some("2"));
    assert_eq!(faulted.text(), "{\"x\":1}");

    for (body, expect) in [
        (
            json!({"path": "/v1/", "action": "delay", "delayMs": 10}),
            200,
        ),
        (json!({"path": "/v1/", "action": "close"}), 200),
        (json!({"path": "/v1/", "action": "malformed"}), 200),
        (
            json!({"path": "/v1/", "action": "oversized", "bytes": 10}),
            200,
        ),
        (json!({"path": "/v1/", "action": "explode"}), 400),
        (json!({"path": "v1", "action": "close"}), 400),
        (json!({"action": "close"}), 400),
        (json!({"path": "/v1/", "action": "status"}), 400),
    ] {
        let reply = send(
            emulator.addr(),
            "POST",
            "/__emulator/faults",
            &[],
            body.to_string().as_bytes(),
        );
        assert_eq!(reply.status, expect, "fault {body}: {}", reply.text());
    }
    let cleared = send(emulator.addr(), "DELETE", "/__emulator/faults", &[], b"");
    assert_eq!(cleared.status, 200);
    assert_eq!(client.op("GET", "webhooks", None).status, 200);
    // Control requests are never faulted nor recorded.
    assert!(emulator
        .requests()
        .iter()
        .all(|r| !r.target.starts_with("/__emulator/")));
}

#[test]
fn keep_alive_survives_finite_faults() {
    let emulator = start(|_| {});
    let token = common::security_token(emulator.addr());
    emulator.inject_fault(fault(None, "/v1/op/webhooks", 1, FaultAction::Malformed));
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let request = format!(
        "GET /v1/op/webhooks HTTP/1.1\r\nHost: x\r\napikey: {}\r\nCookie: VisierASIDToken={token}\r\n\r\n",
        visier_webhooks_emulator::DEFAULT_API_KEY
    );
    stream.write_all(request.as_bytes()).unwrap();
    let first = read_reply(&mut stream).unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&first.body).is_err());
    stream.write_all(request.as_bytes()).unwrap();
    let second = read_reply(&mut stream).unwrap();
    assert_eq!(second.status, 200);
    assert_eq!(second.json(), json!({"webhooks": []}));
}

#[test]
fn fault_header_and_delay_limits() {
    let emulator = start(|_| {});
    let post_fault = |body: Value| {
        send(
            emulator.addr(),
            "POST",
            "/__emulator/faults",
            &[],
            body.to_string().as_bytes(),
        )
    };
    for retry_after in ["1\r\nX-Injected: yes", "1\n", "\u{0}", "1\u{7f}"] {
        let reply = post_fault(json!({
            "path": "/v1/", "action": "status", "status": 503, "retryAfter": retry_after
        }));
        assert_status_error(
            &reply,
            400,
            "retryAfter must not contain control characters",
        );
    }
    let too_long = post_fault(json!({"path": "/v1/", "action": "delay", "delayMs": 60_001}));
    assert_status_error(&too_long, 400, "delayMs must be at most 60000");

    // Rejected faults were not stored, so the next request gets a normal response.
    let client = Client::new(&emulator);
    assert_eq!(client.op("GET", "webhooks", None).status, 200);

    // The largest delay is accepted; its path matches no request of this test.
    let longest = post_fault(json!({"path": "/unused", "action": "delay", "delayMs": 60_000}));
    assert_eq!(longest.status, 200, "{}", longest.text());
    let body_with_line_break = post_fault(json!({
        "path": "/v1/", "action": "status", "status": 503, "body": "{\"a\":\n1}"
    }));
    assert_eq!(
        body_with_line_break.status,
        200,
        "{}",
        body_with_line_break.text()
    );
}
