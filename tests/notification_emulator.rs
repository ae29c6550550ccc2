//! End to end: the emulator delivers a notification of every documented event type to a
//! loopback receiver, which verifies and parses each one.
#![cfg(feature = "verify")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use visier_webhooks::models::EventType;
use visier_webhooks::notification::{
    verify_and_parse, verify_authorization, ExpectedAuth, AUTHORIZATION_HEADER,
};
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

const IO_TIMEOUT: Duration = Duration::from_secs(5);
const KEY_NAME: &str = "notification-test-key";
const ACCESS_TOKEN: &str = "receiver-access-token";

/// Header pairs and body of one request, as the receiver read them.
struct ReceivedRequest {
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// Starts a receiver on 127.0.0.1 that reads up to `count` requests, responds to each with 200
/// and sends it on the returned channel. Returns the receiver's URL.
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
    stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    Ok(ReceivedRequest { headers, body })
}

/// Client of the emulator's API over raw HTTP.
struct Api {
    agent: ureq::Agent,
    base_url: String,
    token: String,
}

impl Api {
    fn login(emulator: &Emulator) -> Api {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(IO_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let base_url = emulator.base_url();
        let mut response = agent
            .post(format!("{base_url}/v1/admin/visierSecureToken"))
            .header("apikey", DEFAULT_API_KEY)
            .send_form([("username", DEFAULT_USER), ("password", DEFAULT_PASSWORD)])
            .unwrap();
        assert_eq!(response.status(), 200);
        let token = response.body_mut().read_to_string().unwrap();
        Api {
            agent,
            base_url,
            token,
        }
    }

    fn send(&self, method: &str, path: &str, body: &Value) -> Value {
        let url = format!("{}{path}", self.base_url);
        let request = match method {
            "POST" => self.agent.post(&url),
            "PUT" => self.agent.put(&url),
            other => panic!("unsupported method {other}"),
        };
        let mut response = request
            .header("apikey", DEFAULT_API_KEY)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = response.status();
        let text = response.body_mut().read_to_string().unwrap();
        assert_eq!(status, 200, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

#[test]
fn emulator_notifications_verify() {
    let documented = EventType::DOCUMENTED;
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let api = Api::login(&emulator);
    let (target_url, requests) = start_receiver(documented.len());

    let generated = api.send(
        "POST",
        "/v1alpha/admin/encryption-keys",
        &json!({"keyName": KEY_NAME, "algorithm": "HmacSHA256"}),
    );
    let key = generated["key"].as_str().unwrap().to_owned();
    assert!(!key.is_empty());

    let events: Vec<Value> = documented
        .iter()
        .map(|event_type| json!({"eventType": event_type.as_str()}))
        .collect();
    let mut details = json!({
        "targetUrl": target_url,
        "isActive": false,
        "events": events,
        "keyName": KEY_NAME,
        "displayName": "notification receiver"
    });
    let created = api.send(
        "POST",
        "/v1/op/webhooks",
        &json!({"details": details, "credentials": {"accessToken": ACCESS_TOKEN}}),
    );
    let webhook_id = created["webhookId"].as_str().unwrap().to_owned();
    details["isActive"] = json!(true);
    api.send(
        "PUT",
        &format!("/v1/op/webhooks/{webhook_id}"),
        &json!({"webhookId": webhook_id, "details": details}),
    );

    let expected_auth = ExpectedAuth::bearer(ACCESS_TOKEN);
    for event_type in documented {
        let deliveries = emulator.trigger_event(None, event_type.as_str(), None);
        assert_eq!(deliveries.len(), 1, "{event_type}: {deliveries:?}");
        assert!(deliveries[0].succeeded(), "{event_type}: {deliveries:?}");

        let request = requests.recv_timeout(IO_TIMEOUT).unwrap();
        assert_eq!(request.body, deliveries[0].body, "{event_type}");

        let authorization = request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(AUTHORIZATION_HEADER))
            .map(|(_, value)| value.as_slice());
        assert_eq!(
            verify_authorization(authorization, &expected_auth),
            Ok(()),
            "{event_type}"
        );

        let notification =
            verify_and_parse(request.headers.clone(), &request.body, key.as_bytes()).unwrap();
        assert_eq!(
            notification.kind(),
            event_type,
            "{}",
            notification.event_type
        );
        assert_eq!(notification.event_id, deliveries[0].event_id);
        assert!(notification.timestamp_millis().is_some(), "{event_type}");

        let wrong_key = verify_and_parse(request.headers, &request.body, b"another-key");
        assert!(wrong_key.is_err(), "{event_type}");

        match event_type {
            EventType::JobResultSuccess
            | EventType::JobResultFailure
            | EventType::JobReschedule => {
                let job = notification.job_event().unwrap();
                assert!(
                    job.job_id.is_some(),
                    "{event_type}: {:?}",
                    notification.event
                );
            }
            EventType::AlertNotification => {
                let alert = notification.alert().unwrap();
                assert!(alert.alert_id.is_some(), "{:?}", notification.event);
            }
            _ => assert!(notification.job_event().is_none(), "{event_type}"),
        }
    }

    emulator.shutdown();
}
