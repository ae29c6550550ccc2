//! Helpers of the command-line tests: running the built binary against an emulator, and a
//! loopback receiver for notifications.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

/// Exit status and output of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {self:?}"))
    }

    pub fn stderr_json(&self) -> Value {
        serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|error| panic!("stderr is not JSON ({error}): {self:?}"))
    }
}

/// Environment of a run, set on the child only, after `env_clear`.
pub fn emulator_env(emulator: &Emulator) -> Vec<(String, String)> {
    vec![
        ("VISIER_HOST".into(), emulator.base_url()),
        ("VISIER_APIKEY".into(), DEFAULT_API_KEY.into()),
        ("VISIER_USERNAME".into(), DEFAULT_USER.into()),
        ("VISIER_PASSWORD".into(), DEFAULT_PASSWORD.into()),
    ]
}

/// Runs the binary with `args`, the environment `env` (plus `PATH`) and `stdin`.
pub fn run_with(env: &[(String, String)], args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_visier-webhooks"));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A run that fails early, such as on a usage error, may exit before it reads stdin.
        // The write then fails with BrokenPipe, and the caller checks the exit status.
        if let Err(error) = pipe.write_all(bytes) {
            assert_eq!(
                error.kind(),
                ErrorKind::BrokenPipe,
                "writing stdin failed: {error}"
            );
        }
    }
    let output = child.wait_with_output().expect("the binary exits");
    Run {
        code: output
            .status
            .code()
            .expect("the binary exits with a status"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary against `emulator` with the default credentials.
pub fn run(emulator: &Emulator, args: &[&str]) -> Run {
    run_with(&emulator_env(emulator), args, None)
}

/// Runs the binary against `emulator`, feeding `stdin`.
pub fn run_stdin(emulator: &Emulator, args: &[&str], stdin: &[u8]) -> Run {
    run_with(&emulator_env(emulator), args, Some(stdin))
}

pub fn start_emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default()).expect("the emulator starts")
}

/// Asserts a zero exit status, showing stderr otherwise.
pub fn assert_ok(run: &Run) {
    assert_eq!(run.code, 0, "exit status; stderr: {}", run.stderr);
}

/// Creates an inactive webhook listening for `jobResultSuccess` and returns its id.
pub fn create_webhook(emulator: &Emulator, url: &str) -> String {
    let run = run(
        emulator,
        &["create", "--url", url, "--event", "jobResultSuccess"],
    );
    assert_ok(&run);
    run.json()["webhookId"]
        .as_str()
        .expect("the response has a webhookId")
        .to_owned()
}

/// Starts a receiver on a loopback port that returns status `status` to at most `max_requests`
/// requests, each on its own connection, and returns its URL.
pub fn start_receiver(status: u16, max_requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("the receiver binds");
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().take(max_requests) {
            let Ok(mut stream) = stream else { continue };
            if read_request(&mut stream).is_some() {
                let response = format!(
                    "HTTP/1.1 {status} Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(response.as_bytes());
            }
        }
    });
    url
}

/// A request read by [`start_mock_api`]: request line and body.
#[derive(Debug)]
pub struct MockRequest {
    pub request_line: String,
    pub body: Vec<u8>,
}

/// Starts a loopback server that returns the given `(status, body)` pairs in order, one
/// request per connection, and sends each request it read on the returned channel.
pub fn start_mock_api(responses: Vec<(u16, String)>) -> (String, mpsc::Receiver<MockRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("the mock binds");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for (status, body) in responses {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let Some(request) = read_request(&mut stream) else {
                return;
            };
            let response = format!(
                "HTTP/1.1 {status} Response\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
            if sender.send(request).is_err() {
                return;
            }
        }
    });
    (url, receiver)
}

/// Reads one request with a `Content-Length` body, giving up after 5 seconds.
fn read_request(stream: &mut TcpStream) -> Option<MockRequest> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(position) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 || data.len() > 1 << 20 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
    }
    Some(MockRequest {
        request_line: head.lines().next().unwrap_or_default().to_owned(),
        body: data[head_end..head_end + length].to_vec(),
    })
}
