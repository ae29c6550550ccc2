//! A notification sent over a loopback HTTP connection verifies and parses on the receiving
//! side, with headers as an HTTP server reads them.
#![cfg(feature = "verify")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use visier_webhooks::models::EventType;
use visier_webhooks::notification::{
    verify_authorization, ExpectedAuth, Verifier, VerifyError, AUTHORIZATION_HEADER,
};

/// Same body, key and HMAC-SHA256 as the known-answer vectors of `notification_signature.rs`.
const RAW_BODY: &str = r#"{"timestamp": "1717000000000", "eventType":"jobResultSuccess" ,"eventId":"evt-0001","event":{"jobid":"job-\u00e9-1","rootJobId":"root-1",  "note":"Zürich ✓ \"quoted\" \/ tab\t","ratio":1.0,"parentJobId":"parent-1"}}"#;
const RAW_KEY: &str = "dGVzdC1rZXktdmFsdWUtZm9yLXZlcmlmaWNhdGlvbg==";
const RAW_BASE64: &str = "chuh9Jwd9ifYDxQ+HauDMVbw8cVmyMtc1c2UW84VVYs=";

const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Header pairs and body of one request, as the receiver read them.
struct ReceivedRequest {
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// Starts a receiver on 127.0.0.1 that reads `count` requests, responds to each with 204 and
/// sends it on the returned channel. Returns the receiver's URL.
fn start_receiver(count: usize) -> (String, mpsc::Receiver<ReceivedRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for _ in 0..count {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let Ok(request) = read_request(stream) else {
                return;
            };
            if sender.send(request).is_err() {
                return;
            }
        }
    });
    (url, receiver)
}

fn read_request(stream: TcpStream) -> std::io::Result<ReceivedRequest> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream);

    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    let mut content_length = 0;
    loop {
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line)?;
        let line = line.strip_suffix(b"\r\n").unwrap_or(&line).to_vec();
        if line.is_empty() {
            break;
        }
        let colon = line.iter().position(|&byte| byte == b':').unwrap();
        let name = String::from_utf8(line[..colon].to_vec()).unwrap();
        let value = line[colon + 1..].to_vec();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = String::from_utf8_lossy(&value).trim().parse().unwrap();
        }
        headers.push((name, value));
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;

    let mut stream = reader.into_inner();
    stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")?;
    Ok(ReceivedRequest { headers, body })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(IO_TIMEOUT))
        .build()
        .into()
}

#[test]
fn signed_post_verifies_at_receiver() {
    let (url, requests) = start_receiver(1);
    let response = agent()
        .post(&url)
        .header("Content-Type", "application/json")
        .header("X-Visier-Signature", RAW_BASE64)
        .header("Authorization", "Bearer receiver-token")
        .send(RAW_BODY)
        .unwrap();
    assert_eq!(response.status(), 204);

    let request = requests.recv_timeout(IO_TIMEOUT).unwrap();
    assert_eq!(request.body, RAW_BODY.as_bytes());

    let authorization = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(AUTHORIZATION_HEADER))
        .map(|(_, value)| value.as_slice());
    let expected = ExpectedAuth::bearer("receiver-token");
    assert_eq!(verify_authorization(authorization, &expected), Ok(()));

    let verifier = Verifier::new(RAW_KEY).unwrap();
    let notification = verifier
        .verify_and_parse(request.headers.clone(), &request.body)
        .unwrap();
    assert_eq!(notification.kind(), EventType::JobResultSuccess);
    assert_eq!(notification.event_id, "evt-0001");
}

#[test]
fn unsigned_post_fails_at_receiver() {
    let (url, requests) = start_receiver(1);
    let response = agent()
        .post(&url)
        .header("Content-Type", "application/json")
        .send(RAW_BODY)
        .unwrap();
    assert_eq!(response.status(), 204);

    let request = requests.recv_timeout(IO_TIMEOUT).unwrap();
    let verifier = Verifier::new(RAW_KEY).unwrap();
    let result = verifier.verify(request.headers, &request.body);
    assert_eq!(result, Err(VerifyError::MissingSignature));
}
