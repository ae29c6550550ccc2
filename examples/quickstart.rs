//! Walks one webhook through its whole life and prints one line per step.
//!
//! Without `VISIER_*` variables it starts the bundled emulator and a small receiver in this
//! process, so it runs offline:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `VISIER_HOST` or `VISIER_VANITY` set (and the other variables that
//! `ClientBuilder::from_env` reads) it runs against that tenant instead. A tenant cannot reach
//! a receiver on this machine, so the webhook then points at `VISIER_QUICKSTART_TARGET_URL`,
//! by default an address that never resolves, and the test event reports a failed delivery.

use std::error::Error as StdError;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use visier_webhooks::notification::{verify_authorization, ExpectedAuth, Notification, Verifier};
use visier_webhooks::{
    Auth, Client, EventType, GenerateKeyRequest, KeyAlgorithm, ListFilter, Secret,
    WebhookCredentials, WebhookDetails, WebhookRequest,
};
use visier_webhooks_emulator::{Emulator, EmulatorConfig};

/// Target URL used against a real tenant when none is configured: `.invalid` never resolves.
const UNREACHABLE_TARGET: &str = "https://receiver.invalid/visier-webhooks-quickstart";

/// Access token that the quickstart gives the webhook in its credentials step.
const RECEIVER_TOKEN: &str = "quickstart-receiver-token";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn StdError>> {
    let use_tenant = ["VISIER_HOST", "VISIER_VANITY"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()));

    // The emulator and the receiver live until the end of this function.
    let mut _emulator = None;
    let mut receiver = None;
    let (client, target_url) = if use_tenant {
        let client = Client::from_env()?;
        println!("using the tenant at {}", client.host());
        let target = std::env::var("VISIER_QUICKSTART_TARGET_URL")
            .unwrap_or_else(|_| UNREACHABLE_TARGET.to_owned());
        (client, target)
    } else {
        let emulator = Emulator::start(EmulatorConfig::default())?;
        let client = Client::builder()
            .host(emulator.base_url())
            .api_key(visier_webhooks_emulator::DEFAULT_API_KEY)
            .auth(Auth::UsernamePassword {
                username: visier_webhooks_emulator::DEFAULT_USER.into(),
                password: visier_webhooks_emulator::DEFAULT_PASSWORD.into(),
            })
            .build()?;
        println!(
            "started the bundled emulator at {} (set VISIER_HOST or VISIER_VANITY to use a tenant)",
            emulator.base_url()
        );
        let started = Receiver::start()?;
        let target = started.url.clone();
        println!("started a receiver at {target}");
        _emulator = Some(emulator);
        receiver = Some(started);
        (client, target)
    };

    // 1. A signing key: Visier signs each notification with it.
    let key_name = format!("quickstart-{}", unique_suffix());
    let key = match client.generate_key(&GenerateKeyRequest::new(
        &key_name,
        KeyAlgorithm::HmacSha256,
    )) {
        Ok(generated) => {
            println!("generated signing key {key_name} (HmacSHA256; its value is shown only once)");
            Some(generated.key)
        }
        Err(error) => {
            println!("could not generate a signing key, continuing without one: {error}");
            None
        }
    };

    // 2. An inactive webhook with basic auth, listening for two job events.
    let mut details = WebhookDetails::new(
        &target_url,
        [EventType::JobResultSuccess, EventType::JobResultFailure],
    )
    .display_name("quickstart webhook");
    if key.is_some() {
        details = details.key_name(&key_name);
    }
    let request = WebhookRequest::new(details).credentials(WebhookCredentials::basic(
        "quickstart-user",
        "quickstart-password",
    ));
    let created = client.create_webhook(&request)?;
    let id = created.webhook_id.clone();
    println!(
        "created webhook {id}: inactive, basic auth, events {}",
        event_names(&created.details)
    );

    // 3. List and get.
    let listed = client.list_webhooks(&ListFilter::new())?;
    println!(
        "listed {} webhook(s); ours is among them: {}",
        listed.len(),
        listed.iter().any(|w| w.webhook_id == id)
    );
    let fetched = client.get_webhook(&id)?;
    println!(
        "got webhook {id}: target {}, credential reference {:?}",
        fetched.details.target_url.as_deref().unwrap_or(""),
        fetched.credential_reference.as_deref().unwrap_or("")
    );

    // 4. Activate and rename by read-modify-write: every other field is sent back as read.
    let updated = client.modify_webhook(&id, |details| {
        details.is_active = Some(true);
        details.display_name = Some("quickstart webhook (active)".into());
    })?;
    println!(
        "activated and renamed it to {:?}; events kept: {}",
        updated.details.display_name.as_deref().unwrap_or(""),
        event_names(&updated.details)
    );

    // 5. Switch the credentials from basic auth to an access token.
    let switched =
        client.update_credentials(&id, &WebhookCredentials::access_token(RECEIVER_TOKEN))?;
    println!(
        "switched its credentials to an access token (new reference {:?})",
        switched.credential_reference.as_deref().unwrap_or("")
    );

    // 6. A test event, and what the receiver got.
    let outcome = client.send_test_event(&id, EventType::JobResultSuccess)?;
    let answered = match outcome.status_code {
        // The emulator reports 0 when the notification could not be delivered.
        Some(0) | None => format!(
            "nothing (not delivered: {})",
            outcome.message.as_deref().unwrap_or("no reason given")
        ),
        Some(code) => code.to_string(),
    };
    println!(
        "sent a test event: receiver answered {answered}, event id {}",
        outcome.event_id.as_deref().unwrap_or("?")
    );
    if let Some(receiver) = &receiver {
        match receiver.next(Duration::from_secs(5)) {
            Some(received) => received.print(key.as_ref()),
            None => println!("the receiver got nothing within 5 s"),
        }
    }

    // 7. Delete the credentials, then the webhook and the key.
    let cleared = client.delete_credentials(&id)?;
    println!(
        "deleted its credentials (reference now {:?})",
        cleared.credential_reference.as_deref().unwrap_or("")
    );
    client.delete_webhook(&id)?;
    println!("deleted webhook {id}");
    if key.is_some() {
        client.delete_key(&key_name)?;
        println!("deleted signing key {key_name}");
    }
    println!("done: the webhook went through its whole life");
    Ok(())
}

fn event_names(details: &WebhookDetails) -> String {
    details
        .event_types()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(" + ")
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    format!("{:08x}", nanos ^ std::process::id())
}

/// A notification as the receiver read it off the socket.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn print(&self, key: Option<&Secret>) {
        println!("the receiver got:");
        for (name, value) in &self.headers {
            let shown = if name.eq_ignore_ascii_case("authorization") {
                // Show the scheme only: the rest is the credential.
                let scheme = value.split(' ').next().unwrap_or("");
                format!("{scheme} ***")
            } else {
                value.clone()
            };
            println!("  {name}: {shown}");
        }
        println!("  body: {}", String::from_utf8_lossy(&self.body));

        let pairs = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_bytes(), value.as_bytes()));
        let authorization = self
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.as_bytes());
        match verify_authorization(authorization, &ExpectedAuth::bearer(RECEIVER_TOKEN)) {
            Ok(()) => println!("  authorization: valid access token"),
            Err(error) => println!("  authorization: rejected ({error})"),
        }
        match key {
            Some(key) => match Verifier::new(key.clone()) {
                Ok(verifier) => match verifier.verify(pairs, &self.body) {
                    Ok(()) => println!("  signature: valid (HMAC-SHA256 of the raw body)"),
                    Err(error) => println!("  signature: INVALID ({error})"),
                },
                Err(error) => println!("  signature: cannot check ({error})"),
            },
            None => println!("  signature: not checked (no signing key)"),
        }
        match Notification::parse(&self.body) {
            Ok(notification) => {
                let job = notification
                    .job_event()
                    .and_then(|job| job.job_id)
                    .unwrap_or_default();
                println!(
                    "  event: {} {}, job {job}",
                    notification.kind(),
                    notification.event_id
                );
            }
            Err(error) => println!("  event: cannot parse ({error})"),
        }
    }
}

/// A loopback HTTP server that responds to every POST with 200 and hands the request over.
struct Receiver {
    url: String,
    received: mpsc::Receiver<Received>,
}

impl Receiver {
    fn start() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/notifications", listener.local_addr()?);
        let (sender, received) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(request) = read_request(stream) {
                    if sender.send(request).is_err() {
                        break;
                    }
                }
            }
        });
        Ok(Receiver { url, received })
    }

    fn next(&self, timeout: Duration) -> Option<Received> {
        self.received.recv_timeout(timeout).ok()
    }
}

/// Reads one HTTP/1.1 request with a Content-Length body and responds 200.
fn read_request(stream: TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        let value = value.trim().to_owned();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        }
        headers.push((name.to_owned(), value));
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    let mut stream = stream;
    let answer = "HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\nreceived";
    stream.write_all(answer.as_bytes()).ok()?;
    Some(Received { headers, body })
}
