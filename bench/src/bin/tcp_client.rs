//! Benchmark client 6, the floor: fixed HTTP/1.1 requests written to one kept-alive
//! `std::net::TcpStream`, and responses read by `Content-Length` into a reused buffer. It
//! parses nothing but the status line and the `Content-Length` header, so its latency is
//! what the emulator and the loopback interface cost. It takes the command line described
//! in the `visier_webhooks_bench` crate documentation.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

use visier_webhooks_bench::{format_timings, required_env, Mode, OPERATIONS, WARMUP_CALLS};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-tcp-client: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One kept-alive connection and the buffer that receives responses.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    /// Sends one request and returns the status and the body.
    fn exchange(&mut self, request: &[u8]) -> Result<(u16, &[u8]), String> {
        self.stream
            .write_all(request)
            .map_err(|error| format!("sending a request failed: {error}"))?;
        self.buffer.clear();
        let head_end = loop {
            if let Some(position) = find(&self.buffer, b"\r\n\r\n") {
                break position + 4;
            }
            self.read_more()?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end])
            .map_err(|_| "response head is not UTF-8".to_owned())?;
        let status = head
            .get(9..12)
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| format!("invalid status line in {head:?}"))?;
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .ok_or_else(|| "response has no Content-Length".to_owned())?;
        while self.buffer.len() < head_end + length {
            self.read_more()?;
        }
        Ok((status, &self.buffer[head_end..head_end + length]))
    }

    fn read_more(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 16 * 1024];
        let count = self
            .stream
            .read(&mut chunk)
            .map_err(|error| format!("reading a response failed: {error}"))?;
        if count == 0 {
            return Err("the server closed the connection".to_owned());
        }
        self.buffer.extend_from_slice(&chunk[..count]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Percent-encodes everything but unreserved characters, for form values and path segments.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn run() -> Result<(), String> {
    let mode = Mode::from_env()?;
    let host = required_env("VISIER_HOST")?;
    let api_key = required_env("VISIER_APIKEY")?;
    let username = required_env("VISIER_USERNAME")?;
    let password = required_env("VISIER_PASSWORD")?;
    let authority = host
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|rest| !rest.contains('/'))
        .ok_or_else(|| format!("invalid VISIER_HOST {host:?}: expected http://HOST:PORT"))?;

    let stream = TcpStream::connect(authority)
        .map_err(|error| format!("connecting to {authority} failed: {error}"))?;
    stream
        .set_nodelay(true)
        .map_err(|error| format!("setting TCP_NODELAY failed: {error}"))?;
    let mut connection = Connection {
        stream,
        buffer: Vec::with_capacity(64 * 1024),
    };

    let form = format!(
        "username={}&password={}",
        percent_encode(&username),
        percent_encode(&password)
    );
    let token_request = format!(
        "POST /v1/admin/visierSecureToken HTTP/1.1\r\nHost: {authority}\r\napikey: {api_key}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let (status, body) = connection.exchange(token_request.as_bytes())?;
    if status != 200 {
        return Err(format!("the token request got status {status}"));
    }
    let token = String::from_utf8_lossy(body).trim().to_owned();

    let headers = format!(
        "Host: {authority}\r\napikey: {api_key}\r\nCookie: VisierASIDToken={token}\r\n\
         Accept: application/json\r\n"
    );
    let path = format!("/v1/op/webhooks/{}", percent_encode(mode.webhook_id()));
    let get_request = format!("GET {path} HTTP/1.1\r\n{headers}\r\n").into_bytes();
    let list_request = format!("GET /v1/op/webhooks HTTP/1.1\r\n{headers}\r\n").into_bytes();

    let (status, body) = connection.exchange(&get_request)?;
    if status != 200 {
        return Err(format!("get got status {status}"));
    }
    let webhook = body.to_vec();
    let Mode::Timed { calls, output, .. } = &mode else {
        return Ok(());
    };
    let mut put_request = format!(
        "PUT {path} HTTP/1.1\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        webhook.len()
    )
    .into_bytes();
    put_request.extend_from_slice(&webhook);

    for _ in 1..WARMUP_CALLS {
        expect_ok(&mut connection, &get_request, "get")?;
    }

    let mut timings = Vec::new();
    for operation in OPERATIONS {
        let request = match operation {
            "get" => &get_request,
            "list" => &list_request,
            "put" => &put_request,
            other => unreachable!("unknown operation {other}"),
        };
        let mut latencies = Vec::with_capacity(*calls);
        for _ in 0..*calls {
            let started = Instant::now();
            expect_ok(&mut connection, request, operation)?;
            latencies.push(started.elapsed().as_nanos() as u64);
        }
        timings.push((operation, latencies));
    }
    std::fs::write(output, format_timings(&timings))
        .map_err(|error| format!("writing {} failed: {error}", output.display()))
}

fn expect_ok(connection: &mut Connection, request: &[u8], operation: &str) -> Result<(), String> {
    let (status, body) = connection.exchange(request)?;
    if status != 200 || body.first() != Some(&b'{') {
        return Err(format!(
            "{operation} got status {status} with a body of {} bytes",
            body.len()
        ));
    }
    Ok(())
}
