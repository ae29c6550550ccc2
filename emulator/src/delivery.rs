//! Notifications: sending events to webhook targets, with signatures, retries and records.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::events;
use crate::http::find;
use crate::records::Delivery;
use crate::server::{lock, Shared};
use crate::state::{Credentials, Tenant, Webhook};
use crate::url::TargetUrl;
use crate::util::{hex, uuid_v4};

/// First pause between retries; it doubles after each retry, up to `MAX_RETRY_PAUSE`.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(100);
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(2);
/// How much of a receiver's response body is kept for the test-event message.
const MAX_ANSWER_BODY: usize = 4096;
const USER_AGENT: &str = concat!("visier-webhooks-emulator/", env!("CARGO_PKG_VERSION"));

/// Computes the `x-visier-signature` header value for a notification body.
///
/// NOTE: Visier documents only that the signature is "an HMAC signature generated from" the
/// webhook's key. What is signed, the encoding and how the key value becomes HMAC key bytes
/// are not documented, so the emulator chooses: HMAC-SHA256 over the exact body bytes, keyed
/// with the UTF-8 bytes of the key value string as generate returned it (the base64 text, not
/// the decoded bytes), written as lowercase hex without a prefix. Change it here only.
pub(crate) fn signature(key_value: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key_value.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// Delivery settings of a webhook, copied out so that no lock is held while sending.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryTarget {
    pub webhook_id: String,
    pub target_url: Option<String>,
    /// Value of the `Authorization` header, when the webhook has credentials.
    pub authorization: Option<String>,
    /// The signing key's value; an error when `keyName` names a key that no longer exists.
    pub signing_key: Result<Option<String>, String>,
}

impl DeliveryTarget {
    pub fn new(tenant: &Tenant, webhook: &Webhook) -> DeliveryTarget {
        let authorization = webhook.credentials.as_ref().map(|c| match c {
            Credentials::Basic { username, password } => {
                format!(
                    "Basic {}",
                    STANDARD.encode(format!("{username}:{password}"))
                )
            }
            Credentials::AccessToken(token) => format!("Bearer {token}"),
        });
        let signing_key = match &webhook.details.key_name {
            None => Ok(None),
            Some(name) => match tenant.key(name) {
                Some(key) => Ok(Some(key.value.clone())),
                None => Err(format!(
                    "encryption key {name:?} named by the webhook no longer exists; nothing was sent"
                )),
            },
        };
        DeliveryTarget {
            webhook_id: webhook.id.clone(),
            target_url: webhook.details.target_url.clone(),
            authorization,
            signing_key,
        }
    }
}

/// The body of a triggered event.
pub(crate) enum EventPayload {
    /// A JSON event body, or `None` for the generated one, wrapped in Visier's envelope.
    Event(Option<Value>),
    /// Exact bytes to send instead of an envelope.
    Raw(Vec<u8>),
}

struct Attempt {
    delivery: Delivery,
    answer_body: Vec<u8>,
    /// False when nothing was sent because the target is not allowed or not usable.
    retryable: bool,
}

/// Result of a test event.
pub(crate) struct TestEventResult {
    pub delivery: Delivery,
    pub message: String,
}

/// Sends one test notification, without retries, and records it.
pub(crate) fn send_test_event(
    shared: &Shared,
    tenant: Option<&str>,
    target: &DeliveryTarget,
    event_type: &str,
) -> TestEventResult {
    let event_id = uuid_v4();
    let (envelope_type, event) = events::generated_event(event_type, tenant);
    let body = events::envelope(&envelope_type, &event_id, &event, SystemTime::now());
    let attempt = attempt(shared, target, &body, &event_id, event_type, 1);
    lock(&shared.deliveries).push(attempt.delivery.clone());
    let answer = String::from_utf8_lossy(&attempt.answer_body);
    let message = match (&attempt.delivery.status, &attempt.delivery.error) {
        (Some(status), _) if (200..300).contains(status) => {
            format!("Successfully delivered message. RequestResponse={answer}")
        }
        (Some(status), _) => {
            format!("Failed to deliver message: the receiver returned {status}. RequestResponse={answer}")
        }
        (None, Some(error)) => format!("Failed to deliver message: {error}"),
        (None, None) => "Failed to deliver message".to_owned(),
    };
    TestEventResult {
        delivery: attempt.delivery,
        message,
    }
}

/// Sends an event to every active webhook of the tenant that listens for `event_type`.
///
/// Webhooks are served one after another. Each failed attempt (no response, timeout or a
/// non-2xx status) is retried up to `delivery_retries` times with the same event id; a target
/// that is not allowed is not retried.
pub(crate) fn trigger(
    shared: &Shared,
    tenant: Option<&str>,
    event_type: &str,
    payload: EventPayload,
) -> Vec<Delivery> {
    let targets: Vec<DeliveryTarget> = {
        let state = lock(&shared.state);
        match state.tenant(tenant) {
            None => Vec::new(),
            Some(t) => t
                .webhooks
                .iter()
                .filter(|w| w.details.is_active && w.details.events.iter().any(|e| e == event_type))
                .map(|w| DeliveryTarget::new(t, w))
                .collect(),
        }
    };
    let (event_id, body) = match payload {
        EventPayload::Event(event) => {
            let event_id = uuid_v4();
            let (envelope_type, generated) = events::generated_event(event_type, tenant);
            let event = event.unwrap_or(generated);
            let body = events::envelope(&envelope_type, &event_id, &event, SystemTime::now());
            (event_id, body)
        }
        EventPayload::Raw(body) => {
            let event_id = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("eventId")?.as_str().map(str::to_owned))
                .unwrap_or_else(uuid_v4);
            (event_id, body)
        }
    };
    let mut made = Vec::new();
    for target in &targets {
        let mut pause = FIRST_RETRY_PAUSE;
        for number in 1..=shared.config.delivery_retries.saturating_add(1) {
            let attempt = attempt(shared, target, &body, &event_id, event_type, number);
            lock(&shared.deliveries).push(attempt.delivery.clone());
            let done = attempt.delivery.succeeded() || !attempt.retryable;
            made.push(attempt.delivery);
            if done || number > shared.config.delivery_retries || !shared.sleep(pause) {
                break;
            }
            pause = (pause * 2).min(MAX_RETRY_PAUSE);
        }
    }
    made
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Resolves the target host. Without `any_host`, only loopback addresses and `localhost` are
/// allowed, and no DNS lookup is made.
fn resolve(url: &TargetUrl, any_host: bool) -> Result<Vec<SocketAddr>, String> {
    let host = url.host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![SocketAddr::from((Ipv4Addr::LOCALHOST, url.port))]);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        if any_host || is_loopback(ip) {
            return Ok(vec![SocketAddr::from((ip, url.port))]);
        }
    } else if any_host {
        return (host, url.port)
            .to_socket_addrs()
            .map(Iterator::collect)
            .map_err(|e| format!("resolving host {host:?} failed: {e}"));
    }
    Err(format!(
        "delivery refused: target host {host} is not a loopback address, and the emulator \
         delivers only to 127.0.0.0/8, ::1 and localhost unless deliver_to_any_host is set \
         (--deliver-to-any-host); nothing was sent"
    ))
}

fn attempt(
    shared: &Shared,
    target: &DeliveryTarget,
    body: &[u8],
    event_id: &str,
    event_type: &str,
    number: u32,
) -> Attempt {
    let mut delivery = Delivery {
        webhook_id: target.webhook_id.clone(),
        target_url: target.target_url.clone().unwrap_or_default(),
        event_id: event_id.to_owned(),
        event_type: event_type.to_owned(),
        attempt: number,
        headers: Vec::new(),
        body: body.to_vec(),
        status: None,
        error: None,
        at: SystemTime::now(),
    };
    let not_sent = |mut delivery: Delivery, error: String| {
        delivery.error = Some(error);
        Attempt {
            delivery,
            answer_body: Vec::new(),
            retryable: false,
        }
    };
    let Some(url_text) = &target.target_url else {
        return not_sent(
            delivery,
            "webhook has no targetUrl; nothing was sent".to_owned(),
        );
    };
    let url = match TargetUrl::parse(url_text) {
        Ok(url) => url,
        Err(reason) => return not_sent(delivery, format!("invalid targetUrl: {reason}")),
    };
    let signing_key = match &target.signing_key {
        Ok(key) => key,
        Err(reason) => return not_sent(delivery, reason.clone()),
    };
    delivery.headers = vec![
        ("Host".to_owned(), url.authority.clone()),
        ("User-Agent".to_owned(), USER_AGENT.to_owned()),
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Content-Length".to_owned(), body.len().to_string()),
    ];
    if let Some(authorization) = &target.authorization {
        delivery
            .headers
            .push(("Authorization".to_owned(), authorization.clone()));
    }
    if let Some(key) = signing_key {
        delivery
            .headers
            .push(("x-visier-signature".to_owned(), signature(key, body)));
    }
    delivery
        .headers
        .push(("Connection".to_owned(), "close".to_owned()));
    if url.https {
        return not_sent(
            delivery,
            "https targets are not supported: the emulator delivers over plain HTTP only; nothing was sent"
                .to_owned(),
        );
    }
    let addrs = match resolve(&url, shared.config.deliver_to_any_host) {
        Ok(addrs) => addrs,
        Err(reason) => return not_sent(delivery, reason),
    };
    let timeout = shared.config.delivery_timeout;
    match send(&addrs, &url, &delivery.headers, body, timeout) {
        Ok((status, answer_body)) => {
            delivery.status = Some(status);
            Attempt {
                delivery,
                answer_body,
                retryable: true,
            }
        }
        Err(error) => {
            delivery.error = Some(error);
            Attempt {
                delivery,
                answer_body: Vec::new(),
                retryable: true,
            }
        }
    }
}

/// Returns the time left before `deadline`, or an error naming the step that timed out.
fn remaining(deadline: Instant, timeout: Duration, step: &str) -> Result<Duration, String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(format!("timed out after {} ms {step}", timeout.as_millis()))
    } else {
        Ok(left)
    }
}

fn io_error(e: &std::io::Error, timeout: Duration, step: &str) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("timed out after {} ms {step}", timeout.as_millis())
        }
        _ => format!("{step} failed: {e}"),
    }
}

/// Posts the notification and returns the receiver's status and the start of its body.
fn send(
    addrs: &[SocketAddr],
    url: &TargetUrl,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let deadline = Instant::now() + timeout;
    let mut last_error = String::from("no address to connect to");
    let mut stream = None;
    for addr in addrs {
        let left = remaining(deadline, timeout, "connecting to the receiver")?;
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = io_error(&e, timeout, &format!("connecting to {addr}")),
        }
    }
    let mut stream = stream.ok_or(last_error)?;
    let _ = stream.set_nodelay(true);

    let mut request = Vec::with_capacity(512 + body.len());
    request.extend_from_slice(format!("POST {} HTTP/1.1\r\n", url.path_and_query).as_bytes());
    for (name, value) in headers {
        request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    let left = remaining(deadline, timeout, "sending the notification")?;
    stream
        .set_write_timeout(Some(left))
        .and_then(|()| stream.write_all(&request))
        .map_err(|e| io_error(&e, timeout, "sending the notification"))?;

    // Status line and headers, then as much body as fits in MAX_ANSWER_BODY.
    let mut answer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&answer, b"\r\n\r\n") {
            break i + 4;
        }
        if answer.len() > 64 * 1024 {
            return Err("the receiver's response headers exceed 64 KiB".to_owned());
        }
        let step = "waiting for the receiver's response";
        let left = remaining(deadline, timeout, step)?;
        let n = stream
            .set_read_timeout(Some(left))
            .and_then(|()| stream.read(&mut chunk))
            .map_err(|e| io_error(&e, timeout, step))?;
        if n == 0 {
            return Err("the receiver closed the connection without a response".to_owned());
        }
        answer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&answer[..head_end]);
    let status = head
        .split("\r\n")
        .next()
        .and_then(|line| {
            let mut parts = line.split(' ');
            let version = parts.next()?;
            version.starts_with("HTTP/").then_some(())?;
            parts.next()?.parse::<u16>().ok()
        })
        .ok_or_else(|| "the receiver's response is not HTTP".to_owned())?;
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let content_length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let wanted = content_length
        .unwrap_or(MAX_ANSWER_BODY)
        .min(MAX_ANSWER_BODY);
    let mut answer_body = answer.split_off(head_end);
    // The status decides the outcome; the body is read on a best-effort basis for the message.
    while answer_body.len() < wanted {
        let Ok(left) = remaining(deadline, timeout, "") else {
            break;
        };
        match stream
            .set_read_timeout(Some(left))
            .and_then(|()| stream.read(&mut chunk))
        {
            Ok(0) | Err(_) => break,
            Ok(n) => answer_body.extend_from_slice(&chunk[..n]),
        }
        if chunked && find(&answer_body, b"\r\n0\r\n").is_some() {
            break;
        }
    }
    if chunked {
        answer_body = decode_chunked_lossy(&answer_body);
    }
    answer_body.truncate(wanted);
    Ok((status, answer_body))
}

/// Decodes as much of a chunked body as is present.
fn decode_chunked_lossy(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(line_end) = find(rest, b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        rest = &rest[line_end + 2..];
        if size == 0 {
            break;
        }
        let take = size.min(rest.len());
        out.extend_from_slice(&rest[..take]);
        if take < size || rest.len() < size + 2 {
            break;
        }
        rest = &rest[size + 2..];
    }
    out
}
