//! The running emulator: listener, connection threads, fault injection and request records.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::auth::{RateInfo, RateLimiter, Sessions};
use crate::config::EmulatorConfig;
use crate::delivery::{self, EventPayload};
use crate::fault::{Fault, FaultAction};
use crate::http::{self, Connection, ReadError, Request, Response};
use crate::records::{mask_header_value, mask_target, Delivery, RequestRecord};
use crate::state::State;
use crate::{api, control};

/// Maximum number of open client connections; further connections are closed at once.
pub const MAX_CONNECTIONS: usize = 512;
/// Maximum number of request records kept; older records are dropped first.
pub const MAX_REQUEST_RECORDS: usize = 100_000;
/// How long a keep-alive connection may stay idle before the emulator closes it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Prefix of the emulator's own control endpoints, which Visier never uses.
pub(crate) const CONTROL_PREFIX: &str = "/__emulator/";

/// Locks a mutex, recovering the data if a thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Default)]
struct ConnectionTable {
    next_id: u64,
    /// Clones of the open sockets, so that shutdown can unblock their threads.
    streams: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// State shared by the listener thread, the connection threads and the [`Emulator`] handle.
pub(crate) struct Shared {
    pub config: EmulatorConfig,
    pub state: Mutex<State>,
    pub sessions: Mutex<Sessions>,
    pub rates: Mutex<RateLimiter>,
    requests: Mutex<VecDeque<RequestRecord>>,
    pub deliveries: Mutex<Vec<Delivery>>,
    faults: Mutex<Vec<Fault>>,
    stopping: AtomicBool,
    stop_signal: (Mutex<()>, Condvar),
    connections: Mutex<ConnectionTable>,
}

impl Shared {
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Sleeps for `duration`, or less when the emulator shuts down; returns false in that case.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let (mutex, condvar) = &self.stop_signal;
        let mut guard = lock(mutex);
        loop {
            if self.is_stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            guard = condvar
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    pub fn inject_fault(&self, fault: Fault) {
        lock(&self.faults).push(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Takes one use of the first fault matching the request, if any.
    fn take_fault(&self, method: &str, path: &str) -> Option<FaultAction> {
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|f| f.matches(method, path))?;
        let fault = &mut faults[index];
        let action = fault.action.clone();
        if fault.count == 1 {
            faults.remove(index);
        } else if fault.count > 1 {
            fault.count -= 1;
        }
        Some(action)
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.deliveries).clone()
    }

    pub fn reset(&self) {
        *lock(&self.state) = State::default();
        *lock(&self.sessions) = Sessions::default();
        *lock(&self.rates) = RateLimiter::default();
        lock(&self.requests).clear();
        lock(&self.deliveries).clear();
        self.clear_faults();
    }

    /// Returns the rate-limit state of the request's API key without counting the request.
    fn peek_rate(&self, request: &Request) -> RateInfo {
        let key = request
            .header("apikey")
            .filter(|k| self.config.api_keys.iter().any(|valid| valid == k));
        lock(&self.rates).peek(&self.config, key)
    }

    fn record(&self, request: &Request, status: u16, at: SystemTime) {
        let record = RequestRecord {
            method: request.method.clone(),
            target: mask_target(&request.target),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), mask_header_value(name, value)))
                .collect(),
            body_len: request.body.len(),
            status,
            at,
        };
        let mut requests = lock(&self.requests);
        if requests.len() == MAX_REQUEST_RECORDS {
            requests.pop_front();
        }
        requests.push_back(record);
    }

    fn log_tls_handshake(&self, stream: &TcpStream) {
        if !self.config.log_requests {
            return;
        }
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "unknown peer".to_owned(), |addr| addr.to_string());
        let line = format!(
            "TLS handshake from {peer} rejected: the emulator serves plain HTTP, so use an \
             http:// URL; connection closed\n"
        );
        let _ = io::stderr().lock().write_all(line.as_bytes());
    }

    fn log(&self, method: &str, target: &str, status: u16, started: Instant) {
        if !self.config.log_requests {
            return;
        }
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        let status = match status {
            0 => "closed".to_owned(),
            s => s.to_string(),
        };
        let line = format!("{method} {} {status} {millis:.1}ms\n", mask_target(target));
        // One write per line keeps lines from concurrent connections whole.
        let _ = io::stderr().lock().write_all(line.as_bytes());
    }
}

/// The connection state after one request is handled.
enum Next {
    KeepOpen,
    Close,
}

/// The reaction to one request.
enum Outcome {
    Respond(Response),
    /// Close the connection without a response.
    Close,
    /// Stream an oversized body of this many bytes (`u64::MAX`: endless).
    Stream(RateInfo, u64),
}

impl Outcome {
    /// Returns the status sent, 0 when nothing is sent.
    fn status(&self) -> u16 {
        match self {
            Outcome::Respond(response) => response.status,
            Outcome::Close => 0,
            Outcome::Stream(..) => 200,
        }
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let mut connection = Connection::new(stream);
    while !shared.is_stopping() {
        let request = match connection.read_request() {
            Ok(request) => request,
            Err(ReadError::Closed) | Err(ReadError::Io) => return,
            Err(ReadError::TlsHandshake) => {
                // Closing at once makes an `https://` client fail fast instead of waiting for
                // a response until its timeout.
                shared.log_tls_handshake(&connection.stream);
                let _ = connection.stream.shutdown(Shutdown::Both);
                return;
            }
            Err(ReadError::Invalid(status, message)) => {
                let started = Instant::now();
                let response = api::status_response(status, "InvalidRequest", message);
                let response = RateInfo::unkeyed(&shared.config).apply(response);
                let _ = response.write_to(&mut connection.stream, false);
                shared.log("-", "(unparsed request)", status, started);
                linger(&mut connection.stream);
                return;
            }
        };
        let started = Instant::now();
        let at = SystemTime::now();
        let outcome = handle_request(shared, &request);
        let status = outcome.status();
        // Recorded before the response is sent, so that a client holding the response finds the record.
        if !request.path().starts_with(CONTROL_PREFIX) {
            shared.record(&request, status, at);
        }
        let keep_open = request.keep_alive && !shared.is_stopping();
        let next = match outcome {
            Outcome::Respond(response) => {
                match response.write_to(&mut connection.stream, keep_open) {
                    Ok(()) if keep_open => Next::KeepOpen,
                    _ => Next::Close,
                }
            }
            Outcome::Close => Next::Close,
            Outcome::Stream(rate, bytes) => {
                stream_oversized(shared, &mut connection, &rate, bytes, keep_open)
            }
        };
        shared.log(&request.method, &request.target, status, started);
        if matches!(next, Next::Close) {
            let _ = connection.stream.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Closes the sending side and reads what the client still sends, for a bounded time and size,
/// so that closing with unread input does not reset the connection and destroy the response.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0;
    while drained < 4 * http::MAX_BODY_BYTES {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Decides the response to one request, applying the first matching fault.
fn handle_request(shared: &Shared, request: &Request) -> Outcome {
    let path = request.path();
    let fault = if path.starts_with(CONTROL_PREFIX) {
        None
    } else {
        shared.take_fault(&request.method, path)
    };
    match fault {
        None => Outcome::Respond(dispatch(shared, request)),
        Some(FaultAction::Delay(delay)) => {
            if !shared.sleep(delay) {
                return Outcome::Close;
            }
            Outcome::Respond(dispatch(shared, request))
        }
        Some(FaultAction::Close) => Outcome::Close,
        Some(FaultAction::Status {
            status,
            retry_after,
            body,
        }) => {
            let mut rate = shared.peek_rate(request);
            if status == 429 {
                rate.remaining_minute = 0;
            }
            let mut response = match body {
                Some(body) => Response {
                    status,
                    content_type: "application/json",
                    headers: Vec::new(),
                    body: body.into_bytes(),
                },
                None => api::status_response(
                    status,
                    "InjectedFault",
                    format!("fault injected by the emulator: status {status}"),
                ),
            };
            if let Some(retry_after) = retry_after {
                response = response.with_header("Retry-After", retry_after);
            }
            Outcome::Respond(rate.apply(response))
        }
        Some(FaultAction::Malformed) => {
            let response = Response {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body: b"{\"webhooks\": [{\"webhookId\": <this is not JSON>".to_vec(),
            };
            Outcome::Respond(shared.peek_rate(request).apply(response))
        }
        Some(FaultAction::Oversized { bytes }) => Outcome::Stream(shared.peek_rate(request), bytes),
    }
}

fn dispatch(shared: &Shared, request: &Request) -> Response {
    if request.path().starts_with(CONTROL_PREFIX) {
        control::handle(shared, request)
    } else {
        api::handle(shared, request)
    }
}

/// Streams a 200 response of `bytes` bytes that looks like a webhook list but never ends as JSON.
fn stream_oversized(
    shared: &Shared,
    connection: &mut Connection,
    rate: &RateInfo,
    bytes: u64,
    keep_alive: bool,
) -> Next {
    let endless = bytes == u64::MAX;
    let keep_open = keep_alive && !endless;
    let mut head = Vec::with_capacity(512);
    let length = if endless { None } else { Some(bytes) };
    let headers = rate.headers();
    if http::write_head(
        &mut head,
        200,
        "application/json",
        &headers,
        length,
        keep_open,
    )
    .is_err()
    {
        return Next::Close;
    }
    if connection.stream.write_all(&head).is_err() {
        return Next::Close;
    }
    const ITEM: &[u8] = b"{\"webhookId\":\"00000000-0000-4000-8000-000000000000\",\"details\":{\"targetUrl\":\"http://127.0.0.1/\",\"isActive\":false,\"events\":[]},\"credentialReference\":\"\"},";
    let mut chunk = Vec::with_capacity(64 * 1024);
    chunk.extend_from_slice(b"{\"webhooks\":[");
    while chunk.len() + ITEM.len() <= chunk.capacity() {
        chunk.extend_from_slice(ITEM);
    }
    let mut remaining = bytes;
    let mut first = true;
    while remaining > 0 && !shared.is_stopping() {
        let piece = if first {
            &chunk[..]
        } else {
            &chunk[b"{\"webhooks\":[".len()..]
        };
        let n = piece
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        if connection.stream.write_all(&piece[..n]).is_err() {
            return Next::Close;
        }
        first = false;
        if !endless {
            remaining -= n as u64;
        }
    }
    if keep_open && !shared.is_stopping() {
        Next::KeepOpen
    } else {
        Next::Close
    }
}

/// A running emulator. Dropping it shuts the server down and joins its threads.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    listener_thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds the listen address and starts serving; returns once connections are accepted.
    ///
    /// # Errors
    /// Returns the error of binding the listen address or of starting the listener thread.
    pub fn start(config: EmulatorConfig) -> io::Result<Emulator> {
        let listener = TcpListener::bind(config.listen)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(State::default()),
            sessions: Mutex::new(Sessions::default()),
            rates: Mutex::new(RateLimiter::default()),
            requests: Mutex::new(VecDeque::new()),
            deliveries: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
            stop_signal: (Mutex::new(()), Condvar::new()),
            connections: Mutex::new(ConnectionTable::default()),
        });
        let listener_shared = Arc::clone(&shared);
        let listener_thread = thread::Builder::new()
            .name("emulator-listener".to_owned())
            .spawn(move || accept_loop(&listener_shared, &listener))?;
        Ok(Emulator {
            shared,
            addr,
            listener_thread: Some(listener_thread),
        })
    }

    /// Returns the address the emulator listens on, with the port actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns `http://HOST:PORT` for the listen address, with brackets around an IPv6 host.
    /// An unspecified listen address (`0.0.0.0` or `::`) is shown as its loopback address.
    pub fn base_url(&self) -> String {
        match connect_address(self.addr) {
            SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        }
    }

    /// Returns every request received so far, oldest first, except control requests under
    /// `/__emulator/`. Only the latest [`MAX_REQUEST_RECORDS`] are kept.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests()
    }

    /// Returns every notification attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.deliveries()
    }

    /// Adds a fault; it applies to the next matching requests.
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.inject_fault(fault);
    }

    /// Sends an event to every active webhook of the tenant that listens for `event_type`, with
    /// retries, and returns the attempts made. `event` replaces the generated event body.
    pub fn trigger_event(
        &self,
        tenant: Option<&str>,
        event_type: &str,
        event: Option<Value>,
    ) -> Vec<Delivery> {
        delivery::trigger(&self.shared, tenant, event_type, EventPayload::Event(event))
    }

    /// Like [`trigger_event`](Self::trigger_event), but sends `raw_body` as the exact request
    /// body, which need not be JSON.
    pub fn trigger_raw(
        &self,
        tenant: Option<&str>,
        event_type: &str,
        raw_body: Vec<u8>,
    ) -> Vec<Delivery> {
        delivery::trigger(
            &self.shared,
            tenant,
            event_type,
            EventPayload::Raw(raw_body),
        )
    }

    /// Returns the tenant's webhooks as `GET /v1/op/webhooks` returns them; `None` is the
    /// default tenant, used by requests without a `TargetTenantID` header.
    pub fn webhooks(&self, tenant: Option<&str>) -> Vec<Value> {
        lock(&self.shared.state).webhooks_json(tenant)
    }

    /// Clears webhooks, encryption keys, tokens, rate-limit counters, records and faults.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting, closes every connection and joins all threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(listener_thread) = self.listener_thread.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::Release);
        {
            let _guard = lock(&self.shared.stop_signal.0);
            self.shared.stop_signal.1.notify_all();
        }
        // The listener thread blocks in accept(); a connection of our own wakes it up.
        let _ = TcpStream::connect_timeout(&connect_address(self.addr), Duration::from_secs(1));
        let _ = listener_thread.join();
        let threads = {
            let mut table = lock(&self.shared.connections);
            for stream in table.streams.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut table.threads)
        };
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

/// Maps an unspecified address to the loopback address of the same family.
fn connect_address(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    for stream in listener.incoming() {
        if shared.is_stopping() {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // Running out of file descriptors makes accept fail in a loop: back off briefly.
                if shared.config.log_requests {
                    eprintln!("accept failed: {e}");
                }
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let mut table = lock(&shared.connections);
        table.threads.retain(|thread| !thread.is_finished());
        if table.streams.len() >= MAX_CONNECTIONS {
            drop(stream);
            continue;
        }
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = table.next_id;
        table.next_id += 1;
        table.streams.insert(id, clone);
        let thread_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("emulator-connection".to_owned())
            .spawn(move || {
                serve_connection(&thread_shared, stream);
                lock(&thread_shared.connections).streams.remove(&id);
            });
        match spawned {
            Ok(handle) => table.threads.push(handle),
            Err(_) => {
                table.streams.remove(&id);
            }
        }
    }
}
