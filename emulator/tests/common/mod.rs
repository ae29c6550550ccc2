//! Test helpers: a raw HTTP/1.1 client and a loopback notification receiver.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::Value;
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

/// A response read by the raw client.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads one response from a stream: headers byte by byte (so that a pipelined next
/// response stays unread), then exactly a Content-Length body, or the rest of the stream.
pub fn read_reply(stream: &mut TcpStream) -> std::io::Result<Reply> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head[..head.len() - 4].to_vec()).expect("UTF-8 head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            stream.read_exact(&mut body)?;
        }
        None => {
            stream.read_to_end(&mut body)?;
        }
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Sends one request on a new connection with `Connection: close` and reads the reply.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect to emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT") {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).expect("send request");
    read_reply(&mut stream).expect("read reply")
}

/// Requests a security token for the default user.
pub fn security_token(addr: SocketAddr) -> String {
    let form = format!("username={DEFAULT_USER}&password={DEFAULT_PASSWORD}");
    let reply = send(
        addr,
        "POST",
        "/v1/admin/visierSecureToken",
        &[
            ("apikey", DEFAULT_API_KEY),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form.as_bytes(),
    );
    assert_eq!(reply.status, 200, "token request failed: {}", reply.text());
    reply.text()
}

/// An authenticated client of one emulator and tenant.
pub struct Client {
    pub addr: SocketAddr,
    pub token: String,
    pub tenant: Option<String>,
    pub prefix: &'static str,
}

impl Client {
    pub fn new(emulator: &Emulator) -> Client {
        Client {
            addr: emulator.addr(),
            token: security_token(emulator.addr()),
            tenant: None,
            prefix: "/v1",
        }
    }

    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let cookie = format!("VisierASIDToken={}", self.token);
        let mut headers = vec![("apikey", DEFAULT_API_KEY), ("Cookie", cookie.as_str())];
        if let Some(tenant) = &self.tenant {
            headers.push(("TargetTenantID", tenant.as_str()));
        }
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        send(self.addr, method, path, &headers, &bytes)
    }

    pub fn op(&self, method: &str, rest: &str, body: Option<&Value>) -> Reply {
        self.call(method, &format!("{}/op/{rest}", self.prefix), body)
    }

    /// Creates a webhook and returns its JSON, asserting success.
    pub fn create_webhook(&self, body: &Value) -> Value {
        let reply = self.op("POST", "webhooks", Some(body));
        assert_eq!(reply.status, 200, "create failed: {}", reply.text());
        reply.json()
    }

    /// Generates an encryption key and returns (details, value).
    pub fn generate_key(&self, name: &str, algorithm: &str) -> (Value, String) {
        let reply = self.call(
            "POST",
            "/v1alpha/admin/encryption-keys",
            Some(&serde_json::json!({ "keyName": name, "algorithm": algorithm })),
        );
        assert_eq!(reply.status, 200, "generate failed: {}", reply.text());
        let json = reply.json();
        (
            json["detail"].clone(),
            json["key"].as_str().unwrap().to_owned(),
        )
    }
}

/// Starts an emulator with the default settings changed by `change`.
pub fn start(change: impl FnOnce(&mut EmulatorConfig)) -> Emulator {
    let mut config = EmulatorConfig::default();
    change(&mut config);
    Emulator::start(config).expect("start emulator")
}

/// Asserts a Status error body with the given status and a message containing `needle`.
pub fn assert_status_error(reply: &Reply, status: u16, needle: &str) {
    assert_eq!(reply.status, status, "unexpected status: {}", reply.text());
    let body = reply.json();
    let message = body["localizedMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains(needle),
        "message {message:?} does not contain {needle:?}"
    );
    assert!(
        !body["rci"].as_str().unwrap_or_default().is_empty(),
        "rci missing"
    );
    assert!(body["code"].is_string(), "code missing");
    assert_eq!(body["userError"], Value::Bool(status < 500));
}

/// One request received by the [`Receiver`].
#[derive(Debug, Clone)]
pub struct Received {
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback HTTP receiver that responds to each request with the next status of a list (the
/// last one repeats) and records what it received.
pub struct Receiver {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    pub fn start(statuses: Vec<u16>, answer_body: &'static str) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_received, thread_stop) = (Arc::clone(&received), Arc::clone(&stop));
        let thread = thread::spawn(move || {
            let mut index = 0;
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                thread_received.lock().unwrap().push(request);
                let status = statuses[index.min(statuses.len() - 1)];
                index += 1;
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer_body}",
                    answer_body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
                let _ = stream.shutdown(Shutdown::Both);
            }
        });
        Receiver {
            addr,
            received,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end - 4].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            Some((n.to_owned(), v.trim().to_owned()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        request_line,
        headers,
        body,
    })
}
