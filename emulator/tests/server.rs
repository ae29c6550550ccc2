//! Tokens, rate limits, HTTP framing, secret masking, shutdown and the binary.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{assert_status_error, read_reply, send, start, Client};
use serde_json::json;
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD, DEFAULT_USER,
};

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

#[test]
fn secure_token_checks_credentials() {
    let emulator = start(|_| {});
    let addr = emulator.addr();
    let path = "/v1/admin/visierSecureToken";
    let good = format!("username={DEFAULT_USER}&password={DEFAULT_PASSWORD}&vanityName=acme");
    // The spec requires no API key here, so a request without one is served, but a wrong key
    // is rejected.
    let no_key = send(addr, "POST", path, &[FORM], good.as_bytes());
    assert_eq!(no_key.status, 200);
    let wrong_key = send(
        addr,
        "POST",
        path,
        &[("apikey", "not-the-key"), FORM],
        good.as_bytes(),
    );
    assert_status_error(&wrong_key, 401, "apikey");
    let wrong = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), FORM],
        format!("username={DEFAULT_USER}&password=wrong").as_bytes(),
    );
    assert_status_error(&wrong, 401, "invalid username or password");
    let missing = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), FORM],
        b"username=x",
    );
    assert_status_error(&missing, 400, "password");
    let ok = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), FORM],
        good.as_bytes(),
    );
    assert_eq!(ok.status, 200);
    assert!(ok.header("Content-Type").unwrap().starts_with("text/plain"));
    assert!(ok.text().len() >= 32);
    // The password is masked nowhere it could leak: the record keeps only the body length.
    let record = emulator.requests().pop().unwrap();
    assert_eq!(record.body_len, good.len());
    assert!(!format!("{record:?}").contains(DEFAULT_PASSWORD));
}

#[test]
fn token_expires_after_ttl() {
    let emulator = start(|c| c.token_ttl = Duration::from_millis(600));
    let client = Client::new(&emulator);
    assert_eq!(client.op("GET", "webhooks", None).status, 200);
    std::thread::sleep(Duration::from_millis(800));
    let expired = client.op("GET", "webhooks", None);
    assert_status_error(&expired, 401, "expired");
}

#[test]
fn oauth_password_and_refresh_grants() {
    let emulator = start(|_| {});
    let addr = emulator.addr();
    let path = "/v1/auth/oauth2/token";
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}"))
    );
    let password_form =
        format!("grant_type=password&username={DEFAULT_USER}&password={DEFAULT_PASSWORD}");
    let by_basic = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), ("Authorization", &basic), FORM],
        password_form.as_bytes(),
    );
    assert_eq!(by_basic.status, 200, "{}", by_basic.text());
    let tokens = by_basic.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["id_token"].as_str().unwrap().split('.').count(), 3);

    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let listed = send(
        addr,
        "GET",
        "/v1/op/webhooks",
        &[("apikey", DEFAULT_API_KEY), ("Authorization", &bearer)],
        b"",
    );
    assert_eq!(listed.status, 200);

    let by_form = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), FORM],
        format!(
            "{password_form}&client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}"
        )
        .as_bytes(),
    );
    assert_eq!(by_form.status, 200, "{}", by_form.text());

    let refresh_form = format!(
        "grant_type=refresh_token&refresh_token={}",
        tokens["refresh_token"].as_str().unwrap()
    );
    let refreshed = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), ("Authorization", &basic), FORM],
        refresh_form.as_bytes(),
    );
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    assert_ne!(refreshed.json()["refresh_token"], tokens["refresh_token"]);
    let reused = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), ("Authorization", &basic), FORM],
        refresh_form.as_bytes(),
    );
    assert_status_error(&reused, 400, "invalid refresh token");

    let bad_client = send(
        addr,
        "POST",
        path,
        &[
            ("apikey", DEFAULT_API_KEY),
            ("Authorization", "Basic eDp5"),
            FORM,
        ],
        password_form.as_bytes(),
    );
    assert_status_error(&bad_client, 401, "client");
    let no_client = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), FORM],
        password_form.as_bytes(),
    );
    assert_status_error(&no_client, 401, "client");
    let bad_grant = send(
        addr,
        "POST",
        path,
        &[("apikey", DEFAULT_API_KEY), ("Authorization", &basic), FORM],
        b"grant_type=authorization_code&code=x",
    );
    assert_status_error(&bad_grant, 400, "authorization_code");
}

#[test]
fn rate_limit_answers_429() {
    let emulator = start(|c| c.rate_limit_per_minute = Some(3));
    let client = Client::new(&emulator);
    let first = client.op("GET", "webhooks", None);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("X-RateLimit-Limit-Minute"), Some("3"));
    assert_eq!(first.header("X-RateLimit-Remaining-Minute"), Some("1"));
    assert_eq!(client.op("GET", "webhooks", None).status, 200);
    let limited = client.op("GET", "webhooks", None);
    assert_status_error(&limited, 429, "rate limit");
    let retry: u64 = limited.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(limited.header("X-RateLimit-Remaining-Minute"), Some("0"));

    // Another API key has its own budget.
    let emulator = start(|c| {
        c.rate_limit_per_minute = Some(1);
        c.api_keys = vec!["key-a".to_owned(), "key-b".to_owned()];
    });
    let form = format!("username={DEFAULT_USER}&password={DEFAULT_PASSWORD}");
    for key in ["key-a", "key-b"] {
        let reply = send(
            emulator.addr(),
            "POST",
            "/v1/admin/visierSecureToken",
            &[("apikey", key), FORM],
            form.as_bytes(),
        );
        assert_eq!(reply.status, 200, "key {key}");
    }
}

#[test]
fn chunked_and_expect_continue_bodies() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let body = json!({"details": {"displayName": "chunked"}}).to_string();
    let (a, b) = body.split_at(10);
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = format!(
        "POST /v1/op/webhooks HTTP/1.1\r\nHost: x\r\napikey: {DEFAULT_API_KEY}\r\nCookie: VisierASIDToken={}\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
        client.token
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let chunks = format!(
        "{:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\nTrailer: x\r\n\r\n",
        a.len(),
        b.len()
    );
    stream.write_all(chunks.as_bytes()).unwrap();
    let reply = read_reply(&mut stream).unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["details"]["displayName"], "chunked");
}

#[test]
fn oversized_requests_are_rejected() {
    let emulator = start(|_| {});
    let big = vec![b'x'; 1024 * 1024 + 1];
    let reply = send(emulator.addr(), "POST", "/v1/op/webhooks", &[], &big);
    assert_status_error(&reply, 413, "1 MiB");
    assert!(reply.header("X-RateLimit-Limit-Minute").is_some());

    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let long_header = format!(
        "GET /v1/op/webhooks HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "y".repeat(70 * 1024)
    );
    let _ = stream.write_all(long_header.as_bytes());
    let reply = read_reply(&mut stream).unwrap();
    assert_eq!(reply.status, 431);

    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let size = 1024 * 1024 + 1;
    let head = "POST /v1/op/webhooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    let chunked = format!("{head}{size:x}\r\n{}\r\n0\r\n\r\n", "z".repeat(size));
    stream.write_all(chunked.as_bytes()).unwrap();
    let chunked_big = read_reply(&mut stream).unwrap();
    assert_eq!(chunked_big.status, 413);
}

#[test]
fn keep_alive_and_pipelining() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let one = format!(
        "GET /v1/op/webhooks HTTP/1.1\r\nHost: x\r\napikey: {DEFAULT_API_KEY}\r\nCookie: VisierASIDToken={}\r\n\r\n",
        client.token
    );
    stream
        .write_all(format!("{one}{one}{one}").as_bytes())
        .unwrap();
    for _ in 0..3 {
        let reply = read_reply(&mut stream).unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("Connection"), Some("keep-alive"));
    }
    let records = emulator.requests();
    assert_eq!(records.len(), 4);
}

#[test]
fn secrets_masked_in_records_and_debug() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    client.op("GET", "webhooks?password=hunter2&isActive=false", None);
    let record = emulator.requests().pop().unwrap();
    assert_eq!(record.target, "/v1/op/webhooks?password=***&isActive=false");
    let header = |name: &str| {
        record
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("apikey").as_deref(), Some("***"));
    assert_eq!(header("Cookie").as_deref(), Some("VisierASIDToken=***"));
    let listed = send(emulator.addr(), "GET", "/__emulator/requests", &[], b"").text();
    assert!(!listed.contains(&client.token));
    assert!(!listed.contains(DEFAULT_API_KEY));

    let config = EmulatorConfig {
        api_keys: vec!["very-secret-key".to_owned()],
        users: vec![("alice".to_owned(), "alice-password".to_owned())],
        oauth_clients: vec![("app".to_owned(), "app-secret".to_owned())],
        ..EmulatorConfig::default()
    };
    let debug = format!("{config:?}");
    for secret in ["very-secret-key", "alice-password", "app-secret"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("alice"));
    assert!(debug.contains("app"));
}

#[test]
fn base_url_and_shutdown() {
    let emulator = start(|_| {});
    let port = emulator.addr().port();
    assert_eq!(emulator.base_url(), format!("http://127.0.0.1:{port}"));
    // A keep-alive connection must not block shutdown.
    let mut idle = TcpStream::connect(emulator.addr()).unwrap();
    let client = Client::new(&emulator);
    emulator.shutdown();
    // The server closed the idle connection. (Connecting to the port again proves nothing,
    // because a test running in parallel may already have bound the freed port.)
    idle.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut buffer = [0u8; 16];
    match std::io::Read::read(&mut idle, &mut buffer) {
        Ok(read) => assert_eq!(read, 0, "the connection was closed"),
        Err(error) => assert_ne!(
            error.kind(),
            std::io::ErrorKind::WouldBlock,
            "the connection was left open"
        ),
    }
    drop(idle);
    drop(client);

    if let Ok(v6) = Emulator::start(EmulatorConfig {
        listen: "[::1]:0".parse().unwrap(),
        ..EmulatorConfig::default()
    }) {
        assert_eq!(v6.base_url(), format!("http://[::1]:{}", v6.addr().port()));
        let token = common::security_token(v6.addr());
        assert!(!token.is_empty());
    }
}

#[test]
fn reset_clears_state() {
    let emulator = start(|_| {});
    let client = Client::new(&emulator);
    client.create_webhook(&json!({"details": {}}));
    emulator.reset();
    assert!(emulator.webhooks(None).is_empty());
    assert!(emulator.requests().is_empty());
    let after = client.op("GET", "webhooks", None);
    assert_status_error(&after, 401, "invalid security token");
}

#[test]
fn binary_prints_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_visier-webhooks-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "custom-key",
            "--user",
            "bob:bob-secret",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start binary");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (log_sender, log_lines) = std::sync::mpsc::channel();
    let log_reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if log_sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("binary exited early").unwrap();
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
        printed.push(line);
    };
    let printed = printed.join("\n");
    assert!(
        !printed.contains("custom-key"),
        "custom API key printed: {printed}"
    );
    assert!(
        !printed.contains("bob-secret"),
        "custom password printed: {printed}"
    );
    assert!(printed.contains("bob"));
    let addr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let reply = send(
        addr,
        "POST",
        "/v1/admin/visierSecureToken",
        &[("apikey", "custom-key"), FORM],
        b"username=bob&password=bob-secret",
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    // The log line is written after the response is sent, so wait for it.
    let log_line = log_lines
        .recv_timeout(Duration::from_secs(5))
        .expect("no log line within 5 s");
    child.kill().unwrap();
    child.wait().unwrap();
    log_reader.join().unwrap();
    assert!(
        log_line.starts_with("POST /v1/admin/visierSecureToken 200 "),
        "unexpected log line: {log_line}"
    );
    assert!(
        log_line.ends_with("ms"),
        "log line lacks the duration: {log_line}"
    );
    let rest: Vec<String> = log_lines.try_iter().collect();
    assert!(rest
        .iter()
        .all(|l| !l.contains("bob-secret") && !l.contains("custom-key")));
}

#[test]
fn binary_help_documents_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_visier-webhooks-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--listen",
        "--api-key",
        "--user",
        "--oauth-client",
        "--token-ttl",
        "--accept-any-event-type",
        "--deliver-to-any-host",
        "--delivery-timeout-ms",
        "--rate-limit-per-minute",
        "--quiet",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.contains("127.0.0.1:8765"));
}

#[test]
fn connections_beyond_cap_are_closed() {
    // Needs about 3 * MAX_CONNECTIONS file descriptors in this process.
    let emulator = start(|_| {});
    let request = b"GET /v1/op/webhooks HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut open = Vec::new();
    for _ in 0..visier_webhooks_emulator::MAX_CONNECTIONS {
        let mut stream = TcpStream::connect(emulator.addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        // A response proves that the emulator has registered the connection.
        stream.write_all(request).unwrap();
        assert_eq!(read_reply(&mut stream).unwrap().status, 401);
        open.push(stream);
    }
    let mut extra = TcpStream::connect(emulator.addr()).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = extra.write_all(request);
    let mut buf = [0u8; 64];
    let read = extra.read(&mut buf);
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "connection beyond the cap was served: {read:?}"
    );

    // Closing one connection frees a place once its thread has ended.
    drop(open.pop());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut stream = TcpStream::connect(emulator.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(request);
        if let Ok(reply) = read_reply(&mut stream) {
            assert_eq!(reply.status, 401);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no place freed within 5 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends a GET with the header lines `headers` and the 2-byte body `{}`, and reads the reply.
fn get_with_headers(emulator: &Emulator, headers: &[&str]) -> common::Reply {
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = "GET /__emulator/requests HTTP/1.1\r\nHost: x\r\n".to_owned();
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("Connection: close\r\n\r\n{}");
    stream.write_all(request.as_bytes()).unwrap();
    read_reply(&mut stream).unwrap()
}

#[test]
fn content_length_must_be_one_number() {
    let emulator = start(|_| {});
    let invalid: [&[&str]; 9] = [
        &["Content-Length: 2", "Content-Length: 3"],
        &["Content-Length: 2, 3"],
        &["Content-Length: +2"],
        &["Content-Length: -2"],
        &["Content-Length: 2x"],
        &["Content-Length: 0x2"],
        &["Content-Length: 2 2"],
        &["Content-Length:"],
        &["Content-Length: 2", "Content-Length: +2"],
    ];
    for headers in invalid {
        let reply = get_with_headers(&emulator, headers);
        assert_status_error(&reply, 400, "Content-Length");
        assert_eq!(reply.json()["code"], "InvalidRequest", "{headers:?}");
        assert_eq!(reply.header("Connection"), Some("close"), "{headers:?}");
    }

    // RFC 9110 section 8.6 allows a recipient to accept repeated identical values.
    let valid: [&[&str]; 4] = [
        &["Content-Length: 2"],
        &["Content-Length: 02"],
        &["Content-Length: 2", "content-length: 2"],
        &["Content-Length: 2, 2"],
    ];
    for headers in valid {
        let reply = get_with_headers(&emulator, headers);
        assert_eq!(reply.status, 200, "{headers:?}: {}", reply.text());
    }
}

/// Runs the binary with `args` and returns its output, killing it after 5 s if it still runs.
fn run_binary(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_visier-webhooks-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start binary");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

#[test]
fn binary_rejects_unusable_flags() {
    let cases: [(&[&str], &str); 5] = [
        (&["--api-key", ""], "must not be empty"),
        (&["--api-key", " key"], "whitespace"),
        (&["--api-key", "key\n"], "control characters"),
        (&["--delivery-retries", "11"], "--delivery-retries"),
        (&["--delivery-retries", "4294967295"], "--delivery-retries"),
    ];
    for (flags, needle) in cases {
        let mut args = vec!["--listen", "127.0.0.1:0", "--quiet"];
        args.extend(flags);
        let output = run_binary(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(needle), "{flags:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{flags:?} started the emulator");
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_visier-webhooks-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--delivery-retries",
            "10",
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start binary");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let listening = stdout
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("listening on "));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        listening,
        "the binary did not start with 10 delivery retries"
    );
}

#[test]
fn tls_handshake_closed_at_once() {
    let emulator = start(|_| {});
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The start of a TLS 1.2 ClientHello record: handshake type, version, length, no CRLF.
    stream
        .write_all(&[0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b])
        .unwrap();
    let started = std::time::Instant::now();
    let mut reply = Vec::new();
    let result = stream.read_to_end(&mut reply);
    let elapsed = started.elapsed();
    // Either end of stream or a reset ends the read; a timeout means the emulator waited.
    if let Err(error) = &result {
        assert!(
            !matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the emulator kept the connection open: {error}"
        );
    }
    assert!(reply.is_empty(), "the emulator replied: {reply:?}");
    assert!(elapsed < Duration::from_secs(2), "closed after {elapsed:?}");
    assert!(
        emulator.requests().is_empty(),
        "the handshake was recorded as a request"
    );
}

#[test]
fn https_client_fails_fast() {
    let emulator = start(|_| {});
    let client = visier_webhooks::Client::builder()
        .host(format!("https://{}", emulator.addr()))
        .api_key(DEFAULT_API_KEY)
        .auth(visier_webhooks::Auth::SecurityToken("token".into()))
        .use_env_proxy(false)
        .retry_policy(visier_webhooks::RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("the client builds");
    let started = std::time::Instant::now();
    let result = client.list_keys();
    let elapsed = started.elapsed();
    assert!(
        result.is_err(),
        "a TLS call to plain HTTP succeeded: {result:?}"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "the call failed only after {elapsed:?}: {result:?}"
    );
}

#[test]
fn binary_logs_tls_handshake() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_visier-webhooks-emulator"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start binary");
    // The credentials come first on stdout, then the address.
    let address = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on http://").map(str::to_owned))
        .expect("the binary prints its address");
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.write_all(&[0x16, 0x03, 0x01, 0x00, 0x2f]).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("TLS handshake from 127.0.0.1:"),
        "{line:?}"
    );
    assert!(line.contains("http://"), "{line:?}");
}
