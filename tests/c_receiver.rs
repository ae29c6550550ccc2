//! Runs examples-c/receiver.c as a CGI program on notifications that the emulator delivered to
//! a loopback target: the headers and body bytes of each delivery become the program's
//! environment and standard input, as a web server would pass them.
#![cfg(feature = "verify")]

mod c_support;
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::Value;
use visier_webhooks::models::EventType;
use visier_webhooks::notification::Notification;
use visier_webhooks::{
    GenerateKeyRequest, KeyAlgorithm, Webhook, WebhookCredentials, WebhookDetails, WebhookRequest,
};
use visier_webhooks_emulator::{Delivery, Emulator};

use c_support::{
    build_program, describe, repo_dir, run_with_input, scratch_dir, valgrind_available,
};

const KEY_NAME: &str = "cgi-receiver-key";
const ACCESS_TOKEN: &str = "cgi-receiver-token-5b1e";
const BASIC_USER: &str = "cgi-receiver-user";
const BASIC_PASSWORD: &str = "cgi-receiver-password-9c4d";
const IO_TIMEOUT: Duration = Duration::from_secs(5);
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// CGI and `VISIER_*` variables of one run of the receiver, as (name, value) pairs.
type Variables = Vec<(String, String)>;

/// Exit status valgrind uses when it finds an error, or a definite or possible leak.
const VALGRIND_ERROR_EXIT: i32 = 97;

/// Builds the receiver once for all tests of this file.
fn receiver() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let dir = scratch_dir("examples-receiver");
        let source = repo_dir().join("examples-c/receiver.c");
        build_program("cc", "-std=c99", &[source], &dir.join("receiver"))
    })
}

/// Starts a webhook target on 127.0.0.1 that responds 200 to `count` requests and then stops
/// accepting. The thread returns the number of responses sent.
fn start_target(count: usize) -> (String, JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let mut responses = 0;
        for _ in 0..count {
            let Ok((stream, _)) = listener.accept() else {
                break;
            };
            if respond_ok(stream).is_ok() {
                responses += 1;
            }
        }
        responses
    });
    (url, handle)
}

/// Reads one request and responds 200 with an empty body.
fn respond_ok(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream);
    let mut content_length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let mut stream = reader.into_inner();
    stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}

/// An emulator with one signing key and one active webhook that listens for `events` and
/// sends `credentials`, aimed at a target that responds to `deliveries` requests.
struct Fixture {
    emulator: Emulator,
    key: String,
    target: JoinHandle<usize>,
}

impl Fixture {
    fn start(events: &[EventType], credentials: WebhookCredentials, deliveries: usize) -> Fixture {
        let emulator = common::emulator();
        let client = common::client(&emulator);
        let (target_url, target) = start_target(deliveries);

        let generated = client
            .generate_key(&GenerateKeyRequest::new(KEY_NAME, KeyAlgorithm::HmacSha256))
            .unwrap();
        let key = generated.key.expose().to_owned();
        assert!(!key.is_empty(), "the emulator returned an empty key");

        let details = WebhookDetails::new(target_url, events.iter().cloned())
            .key_name(KEY_NAME)
            .display_name("CGI receiver");
        let created: Webhook = client
            .create_webhook(&WebhookRequest::new(details).credentials(credentials))
            .unwrap();
        client
            .modify_webhook(&created.webhook_id, |details| {
                details.is_active = Some(true)
            })
            .unwrap();

        Fixture {
            emulator,
            key,
            target,
        }
    }

    /// Triggers `event_type` and returns its one delivery as `deliveries()` recorded it.
    fn deliver(&self, event_type: &EventType) -> Delivery {
        let attempts = self.emulator.trigger_event(None, event_type.as_str(), None);
        assert_eq!(attempts.len(), 1, "{event_type}: {attempts:?}");
        self.recorded(&attempts[0])
    }

    /// Returns the record of `delivery` from `deliveries()`, checking that it succeeded.
    fn recorded(&self, delivery: &Delivery) -> Delivery {
        let recorded: Vec<Delivery> = self
            .emulator
            .deliveries()
            .into_iter()
            .filter(|record| record.event_id == delivery.event_id)
            .collect();
        assert_eq!(recorded.len(), 1, "{recorded:?}");
        assert!(recorded[0].succeeded(), "{recorded:?}");
        recorded.into_iter().next().unwrap()
    }

    /// Stops the emulator and returns the number of responses the target sent.
    fn finish(self) -> usize {
        self.emulator.shutdown();
        self.target.join().unwrap()
    }
}

/// Returns the CGI variables of a delivery's headers: `CONTENT_LENGTH`, `CONTENT_TYPE`, and
/// `HTTP_` followed by the name in upper case with `-` as `_` for the others (RFC 3875).
fn cgi_variables(delivery: &Delivery) -> Variables {
    let mut variables = vec![("REQUEST_METHOD".to_owned(), "POST".to_owned())];
    for (name, value) in &delivery.headers {
        let variable = match name.to_ascii_lowercase().as_str() {
            "content-length" => "CONTENT_LENGTH".to_owned(),
            "content-type" => "CONTENT_TYPE".to_owned(),
            other => format!("HTTP_{}", other.to_ascii_uppercase().replace('-', "_")),
        };
        variables.push((variable, value.clone()));
    }
    variables
}

/// The parts of a CGI response.
struct CgiResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    output: Output,
}

impl CgiResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!("the body is not JSON ({error}): {}", describe(&self.output))
        })
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// Runs the receiver with `variables` as its only CGI and `VISIER_*` variables and `stdin`
/// as its standard input, directly or under valgrind.
fn run_cgi(variables: &[(String, String)], stdin: &[u8], under_valgrind: bool) -> CgiResponse {
    let mut command = if under_valgrind {
        let mut command = Command::new("valgrind");
        command
            .arg("--leak-check=full")
            .arg("--errors-for-leak-kinds=definite,possible")
            .arg(format!("--error-exitcode={VALGRIND_ERROR_EXIT}"))
            .arg(receiver());
        command
    } else {
        Command::new(receiver())
    };
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let cgi = ["HTTP_", "CONTENT_", "REQUEST_", "VISIER_"];
        if cgi.iter().any(|prefix| name.starts_with(prefix)) {
            command.env_remove(name.as_ref());
        }
    }
    command.envs(variables.iter().map(|(name, value)| (name, value)));

    let output = run_with_input(command, stdin, RUN_LIMIT);
    assert!(output.status.success(), "{}", describe(&output));
    parse_cgi(output)
}

/// Splits the program's output into the `Status` header, the other headers and the body.
fn parse_cgi(output: Output) -> CgiResponse {
    let stdout = &output.stdout;
    let split = stdout
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers: {}", describe(&output)));
    let head = String::from_utf8(stdout[..split].to_vec()).expect("UTF-8 headers");
    let body = stdout[split + 4..].to_vec();
    let mut status = None;
    let mut headers = Vec::new();
    for line in head.split("\r\n") {
        let (name, value) = line.split_once(": ").expect("a header line");
        if name == "Status" {
            let code = value.split(' ').next().unwrap();
            status = Some(code.parse().expect("a numeric status"));
        } else {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    CgiResponse {
        status: status.unwrap_or_else(|| panic!("no Status header: {}", describe(&output))),
        headers,
        body,
        output,
    }
}

/// Returns `variables` with `name` set to `value`, or removed when `value` is `None`.
fn with(variables: &[(String, String)], name: &str, value: Option<&str>) -> Variables {
    let mut changed: Variables = variables
        .iter()
        .filter(|(variable, _)| variable != name)
        .cloned()
        .collect();
    if let Some(value) = value {
        changed.push((name.to_owned(), value.to_owned()));
    }
    changed
}

/// Returns the CGI variables of a delivery with the receiver's settings.
fn receiver_variables(delivery: &Delivery, key: &str, credentials: &[(&str, &str)]) -> Variables {
    let mut variables = cgi_variables(delivery);
    variables.push(("VISIER_SIGNING_KEY".to_owned(), key.to_owned()));
    for (name, value) in credentials {
        variables.push(((*name).to_owned(), (*value).to_owned()));
    }
    variables
}

/// Asserts that the receiver rejected a request with `status` and logged `reason`, without a
/// secret in its output.
fn assert_rejected(response: &CgiResponse, status: u16, reason: &str, case: &str) {
    assert_eq!(
        response.status,
        status,
        "{case}: {}",
        describe(&response.output)
    );
    assert_eq!(
        response.header("Content-Type"),
        Some("text/plain"),
        "{case}"
    );
    let stderr = response.stderr();
    assert!(stderr.contains(reason), "{case}: stderr {stderr:?}");
    for secret in [ACCESS_TOKEN, BASIC_PASSWORD] {
        let stdout = String::from_utf8_lossy(&response.output.stdout);
        assert!(
            !stderr.contains(secret),
            "{case}: stderr shows a credential"
        );
        assert!(
            !stdout.contains(secret),
            "{case}: stdout shows a credential"
        );
    }
}

#[test]
fn receiver_accepts_every_event_type() {
    let documented = EventType::DOCUMENTED;
    let fixture = Fixture::start(
        &documented,
        WebhookCredentials::access_token(ACCESS_TOKEN),
        documented.len(),
    );
    let token = [("VISIER_RECEIVER_TOKEN", ACCESS_TOKEN)];

    for event_type in &documented {
        let delivery = fixture.deliver(event_type);
        let variables = receiver_variables(&delivery, &fixture.key, &token);

        let response = run_cgi(&variables, &delivery.body, false);

        assert_eq!(
            response.status,
            200,
            "{event_type}: {}",
            describe(&response.output)
        );
        assert_eq!(
            response.header("Content-Type"),
            Some("application/json"),
            "{event_type}"
        );
        assert!(
            response.output.stderr.is_empty(),
            "{event_type}: {}",
            response.stderr()
        );
        let event = response.json();
        assert_eq!(event["eventId"], delivery.event_id.as_str(), "{event_type}");
        assert_eq!(event["eventType"], event_type.as_str(), "{event_type}");
        let expected = Notification::parse(&delivery.body)
            .unwrap()
            .normalized_json();
        assert_eq!(event, expected, "{event_type}");
    }

    assert_eq!(
        fixture.finish(),
        documented.len(),
        "responses the target sent"
    );
}

#[test]
fn receiver_rejects_tampered_notifications() {
    let documented = EventType::DOCUMENTED;
    let fixture = Fixture::start(
        &documented,
        WebhookCredentials::access_token(ACCESS_TOKEN),
        documented.len(),
    );
    let token = [("VISIER_RECEIVER_TOKEN", ACCESS_TOKEN)];

    for event_type in &documented {
        let delivery = fixture.deliver(event_type);
        let variables = receiver_variables(&delivery, &fixture.key, &token);

        let mut flipped = delivery.body.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x01;
        let response = run_cgi(&variables, &flipped, false);
        assert_rejected(&response, 401, "VW_ERROR_SIGNATURE_INVALID", "flipped byte");

        let wrong_key = with(&variables, "VISIER_SIGNING_KEY", Some("another-key-value"));
        let response = run_cgi(&wrong_key, &delivery.body, false);
        assert_rejected(&response, 401, "VW_ERROR_SIGNATURE_INVALID", "wrong key");

        let unsigned = with(&variables, "HTTP_X_VISIER_SIGNATURE", None);
        let response = run_cgi(&unsigned, &delivery.body, false);
        assert_rejected(
            &response,
            401,
            "VW_ERROR_SIGNATURE_MISSING",
            "missing signature",
        );

        let truncated_signature = &delivery_header(&delivery, "x-visier-signature")[..40];
        let malformed = with(
            &variables,
            "HTTP_X_VISIER_SIGNATURE",
            Some(truncated_signature),
        );
        let response = run_cgi(&malformed, &delivery.body, false);
        assert_rejected(
            &response,
            401,
            "VW_ERROR_SIGNATURE_MALFORMED",
            "short signature",
        );

        let anonymous = with(&variables, "HTTP_AUTHORIZATION", None);
        let response = run_cgi(&anonymous, &delivery.body, false);
        assert_rejected(
            &response,
            401,
            "VW_ERROR_AUTHORIZATION_MISSING",
            "no authorization",
        );

        let other_token = with(&variables, "VISIER_RECEIVER_TOKEN", Some("another-token"));
        let response = run_cgi(&other_token, &delivery.body, false);
        assert_rejected(
            &response,
            401,
            "VW_ERROR_AUTHORIZATION_INVALID",
            "wrong token",
        );
    }

    assert_eq!(
        fixture.finish(),
        documented.len(),
        "responses the target sent"
    );
}

/// Returns the value of a delivery's header.
fn delivery_header<'a>(delivery: &'a Delivery, name: &str) -> &'a str {
    delivery
        .headers
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("the delivery has no {name} header: {delivery:?}"))
}

#[test]
fn receiver_checks_basic_credentials() {
    let event_type = EventType::JobResultSuccess;
    let fixture = Fixture::start(
        std::slice::from_ref(&event_type),
        WebhookCredentials::basic(BASIC_USER, BASIC_PASSWORD),
        1,
    );
    let delivery = fixture.deliver(&event_type);
    assert!(
        delivery_header(&delivery, "authorization").starts_with("Basic "),
        "{delivery:?}"
    );
    let basic = [
        ("VISIER_RECEIVER_USER", BASIC_USER),
        ("VISIER_RECEIVER_PASSWORD", BASIC_PASSWORD),
    ];
    let variables = receiver_variables(&delivery, &fixture.key, &basic);

    let response = run_cgi(&variables, &delivery.body, false);
    assert_eq!(response.status, 200, "{}", describe(&response.output));
    assert_eq!(response.json()["eventId"], delivery.event_id.as_str());

    let wrong_password = with(
        &variables,
        "VISIER_RECEIVER_PASSWORD",
        Some("wrong-password"),
    );
    let response = run_cgi(&wrong_password, &delivery.body, false);
    assert_rejected(
        &response,
        401,
        "VW_ERROR_AUTHORIZATION_INVALID",
        "wrong password",
    );

    let bearer = with(&variables, "HTTP_AUTHORIZATION", Some("Bearer something"));
    let response = run_cgi(&bearer, &delivery.body, false);
    assert_rejected(
        &response,
        401,
        "VW_ERROR_AUTHORIZATION_INVALID",
        "bearer scheme",
    );

    let garbled = with(&variables, "HTTP_AUTHORIZATION", Some("Basic"));
    let response = run_cgi(&garbled, &delivery.body, false);
    assert_rejected(
        &response,
        401,
        "VW_ERROR_AUTHORIZATION_MALFORMED",
        "no credentials",
    );

    let user_only = with(&variables, "VISIER_RECEIVER_PASSWORD", None);
    let response = run_cgi(&user_only, &delivery.body, false);
    assert_rejected(
        &response,
        500,
        "must be set together",
        "user without password",
    );

    let both = with(&variables, "VISIER_RECEIVER_TOKEN", Some(ACCESS_TOKEN));
    let response = run_cgi(&both, &delivery.body, false);
    assert_rejected(&response, 500, "not both", "token and user");

    assert_eq!(fixture.finish(), 1, "responses the target sent");
}

#[test]
fn receiver_rejects_signed_non_notification() {
    let event_type = EventType::DvPublish;
    let fixture = Fixture::start(
        std::slice::from_ref(&event_type),
        WebhookCredentials::access_token(ACCESS_TOKEN),
        2,
    );
    let token = [("VISIER_RECEIVER_TOKEN", ACCESS_TOKEN)];

    // The NUL byte inside the body is signed too: a receiver that stopped reading at it
    // would respond 401 for a bad signature instead of 400.
    let raw = b"{\"eventId\":\"a\0b\",\"eventType\":\"dvPublish\"}".to_vec();
    let attempts = fixture
        .emulator
        .trigger_raw(None, event_type.as_str(), raw.clone());
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    let delivery = fixture.recorded(&attempts[0]);
    assert_eq!(delivery.body, raw);
    let variables = receiver_variables(&delivery, &fixture.key, &token);
    let response = run_cgi(&variables, &delivery.body, false);
    assert_rejected(
        &response,
        400,
        "VW_ERROR_NOTIFICATION_INVALID",
        "NUL in the body",
    );

    let array = b"[1, 2, 3]".to_vec();
    let attempts = fixture
        .emulator
        .trigger_raw(None, event_type.as_str(), array);
    let delivery = fixture.recorded(&attempts[0]);
    let variables = receiver_variables(&delivery, &fixture.key, &token);
    let response = run_cgi(&variables, &delivery.body, false);
    assert_rejected(
        &response,
        400,
        "VW_ERROR_NOTIFICATION_INVALID",
        "JSON array",
    );

    assert_eq!(fixture.finish(), 2, "responses the target sent");
}

#[test]
fn receiver_reads_exactly_content_length() {
    let event_type = EventType::AuditEvent;
    let fixture = Fixture::start(
        std::slice::from_ref(&event_type),
        WebhookCredentials::access_token(ACCESS_TOKEN),
        1,
    );
    let token = [("VISIER_RECEIVER_TOKEN", ACCESS_TOKEN)];
    let delivery = fixture.deliver(&event_type);
    let variables = receiver_variables(&delivery, &fixture.key, &token);

    let mut longer = delivery.body.clone();
    longer.extend_from_slice(b"trailing bytes after the body");
    let response = run_cgi(&variables, &longer, false);
    assert_eq!(response.status, 200, "{}", describe(&response.output));
    assert_eq!(response.json()["eventId"], delivery.event_id.as_str());

    let shorter = &delivery.body[..delivery.body.len() - 1];
    let response = run_cgi(&variables, shorter, false);
    assert_rejected(&response, 400, "shorter than CONTENT_LENGTH", "short body");

    assert_eq!(fixture.finish(), 1, "responses the target sent");
}

#[test]
fn receiver_rejects_invalid_requests() {
    let base = vec![
        ("REQUEST_METHOD".to_owned(), "POST".to_owned()),
        ("CONTENT_LENGTH".to_owned(), "2".to_owned()),
        ("VISIER_SIGNING_KEY".to_owned(), "some-key".to_owned()),
    ];
    let cases: [(&str, Variables, u16, &str); 6] = [
        (
            "GET",
            with(&base, "REQUEST_METHOD", Some("GET")),
            405,
            "method not allowed",
        ),
        (
            "no CONTENT_LENGTH",
            with(&base, "CONTENT_LENGTH", None),
            411,
            "invalid CONTENT_LENGTH",
        ),
        (
            "CONTENT_LENGTH over 1 MiB",
            with(&base, "CONTENT_LENGTH", Some("1048577")),
            413,
            "invalid CONTENT_LENGTH",
        ),
        (
            "CONTENT_LENGTH not a number",
            with(&base, "CONTENT_LENGTH", Some("2x")),
            400,
            "invalid CONTENT_LENGTH",
        ),
        (
            "huge CONTENT_LENGTH",
            with(&base, "CONTENT_LENGTH", Some("99999999999999999999999")),
            413,
            "invalid CONTENT_LENGTH",
        ),
        (
            "no key",
            with(&base, "VISIER_SIGNING_KEY", None),
            500,
            "VISIER_SIGNING_KEY is not set",
        ),
    ];

    for (case, variables, status, reason) in cases {
        let response = run_cgi(&variables, b"{}", false);
        assert_rejected(&response, status, reason, case);
    }

    let response = run_cgi(&with(&base, "REQUEST_METHOD", Some("GET")), b"", false);
    assert_eq!(response.header("Allow"), Some("POST"));
}

#[test]
fn receiver_runs_clean_under_valgrind() {
    if !valgrind_available() {
        eprintln!("valgrind is not installed; skipping the receiver under valgrind");
        return;
    }
    let event_type = EventType::AlertNotification;
    let fixture = Fixture::start(
        std::slice::from_ref(&event_type),
        WebhookCredentials::basic(BASIC_USER, BASIC_PASSWORD),
        1,
    );
    let basic = [
        ("VISIER_RECEIVER_USER", BASIC_USER),
        ("VISIER_RECEIVER_PASSWORD", BASIC_PASSWORD),
    ];
    let delivery = fixture.deliver(&event_type);
    let variables = receiver_variables(&delivery, &fixture.key, &basic);

    let response = run_cgi(&variables, &delivery.body, true);
    assert_eq!(response.status, 200, "{}", describe(&response.output));
    assert_eq!(response.json()["eventType"], "alertNotification");

    let mut flipped = delivery.body.clone();
    flipped[0] ^= 0x01;
    let response = run_cgi(&variables, &flipped, true);
    assert_eq!(response.status, 401, "{}", describe(&response.output));

    assert_eq!(fixture.finish(), 1, "responses the target sent");
}
