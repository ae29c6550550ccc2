//! Runs tests/c/reliability.c against emulators with injected faults: timeouts, closed
//! connections, rate limits, oversized bodies, retried server errors, encoded ids, secrets in
//! error JSON and the log callback, all through the C API. Also runs tests/c/hostile.c under
//! valgrind.

mod c_support;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use visier_webhooks::ffi::vw_result;
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, Fault, FaultAction, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

use c_support::{build_program, describe, repo_dir, run_with_timeout, scratch_dir};

/// Maximum duration of one scenario run. Each test checks a tighter bound on its calls.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Exit status valgrind uses when it finds an error, or a definite or possible leak.
const VALGRIND_ERROR_EXIT: i32 = 97;

/// Builds tests/c/reliability.c once for all tests of this file.
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let dir = scratch_dir("c-test-reliability");
        let source = repo_dir().join("tests/c/reliability.c");
        build_program("cc", "-std=c99", &[source], &dir.join("reliability"))
    })
}

/// One call as the program reported it.
#[derive(Debug)]
struct Call {
    result: i32,
    elapsed: Duration,
    /// The string written to `json_out`.
    json: Value,
    /// `vw_last_error` after a failed call.
    last_error: Option<Value>,
}

/// The output of one scenario.
struct Run {
    calls: HashMap<String, Call>,
    /// Phase name, level and message of each log line, in order.
    logs: Vec<(String, i32, String)>,
    counts: HashMap<String, u32>,
    output: String,
}

impl Run {
    fn call(&self, label: &str) -> &Call {
        self.calls
            .get(label)
            .unwrap_or_else(|| panic!("no call {label}:\n{}", self.output))
    }
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// Parses the program's `call`, `json`, `last`, `log`, `phase` and `count` lines.
fn parse_run(stdout: &str, output: String) -> Run {
    let mut calls = HashMap::new();
    let mut logs = Vec::new();
    let mut counts = HashMap::new();
    let mut phase = String::new();
    for line in stdout.lines() {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "call" => {
                let fields: Vec<&str> = rest.split(' ').collect();
                let call = Call {
                    result: fields[1].parse().unwrap(),
                    elapsed: Duration::from_millis(fields[2].parse().unwrap()),
                    json: Value::Null,
                    last_error: None,
                };
                calls.insert(fields[0].to_owned(), call);
            }
            "json" | "last" => {
                let (label, text) = rest.split_once(' ').unwrap();
                let call: &mut Call = calls.get_mut(label).expect("a call line first");
                if kind == "json" {
                    call.json = parse_json(text);
                } else {
                    call.last_error = Some(parse_json(text));
                }
            }
            "log" => {
                let (level, message) = rest.split_once(' ').unwrap();
                logs.push((phase.clone(), level.parse().unwrap(), message.to_owned()));
            }
            "phase" => phase = rest.to_owned(),
            "count" => {
                let (name, count) = rest.split_once(' ').unwrap();
                counts.insert(name.to_owned(), count.parse().unwrap());
            }
            other => panic!("unexpected line kind {other:?} in:\n{output}"),
        }
    }
    Run {
        calls,
        logs,
        counts,
        output,
    }
}

/// Runs `scenario` against the emulator with the given account.
fn run_scenario(
    emulator: &Emulator,
    account: (&str, &str, &str),
    scenario: &str,
    closed_url: Option<&str>,
) -> Run {
    let (api_key, user, password) = account;
    let mut command = Command::new(program());
    command
        .arg(emulator.base_url())
        .arg(api_key)
        .arg(user)
        .arg(password)
        .arg(scenario)
        .args(closed_url);
    let output = run_with_timeout(command, RUN_LIMIT);
    assert!(output.status.success(), "{scenario}: {}", describe(&output));
    let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8 output");
    parse_run(&stdout, describe(&output))
}

fn default_account() -> (&'static str, &'static str, &'static str) {
    (DEFAULT_API_KEY, DEFAULT_USER, DEFAULT_PASSWORD)
}

/// Asserts a failed call: its code, the code in its error JSON and in the last error.
fn assert_failed(call: &Call, expected: vw_result, label: &str) {
    assert_eq!(call.result, expected as i32, "{label}: {call:?}");
    assert_eq!(
        call.json["code"],
        format!("{expected:?}"),
        "{label}: {call:?}"
    );
    assert_eq!(call.json["result"], expected as i32, "{label}: {call:?}");
    assert_eq!(
        call.last_error.as_ref(),
        Some(&call.json),
        "{label}: the last error differs from json_out"
    );
}

/// Returns the fault applied to every `method` request under `path`.
fn fault(method: &str, path: &str, count: u32, action: FaultAction) -> Fault {
    Fault {
        method: Some(method.to_owned()),
        path: path.to_owned(),
        count,
        action,
    }
}

/// Returns the targets and statuses of the emulator's requests with `method` under `path`.
fn requests_to(emulator: &Emulator, method: &str, path: &str) -> Vec<(String, u16)> {
    emulator
        .requests()
        .into_iter()
        .filter(|request| request.method == method && request.target.starts_with(path))
        .map(|request| (request.target, request.status))
        .collect()
}

#[test]
fn slow_answer_times_out() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let delay = FaultAction::Delay(Duration::from_secs(10));
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 0, delay));

    let run = run_scenario(&emulator, default_account(), "timeout", None);

    let call = run.call("list");
    assert_failed(call, vw_result::VW_ERROR_TIMEOUT, "list");
    assert!(call.json["httpStatus"].is_null(), "{call:?}");
    // timeoutMs is 300 and maxAttempts 1; the rest is the token request and scheduling.
    assert!(call.elapsed >= Duration::from_millis(300), "{call:?}");
    assert!(call.elapsed < Duration::from_secs(3), "{call:?}");
}

#[test]
fn closed_connection_on_create_is_not_repeated() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    emulator.inject_fault(fault("POST", "/v1/op/webhooks", 0, FaultAction::Close));

    let run = run_scenario(&emulator, default_account(), "closed-create", None);

    assert_failed(
        run.call("create"),
        vw_result::VW_ERROR_OUTCOME_UNKNOWN,
        "create",
    );
    let posts = requests_to(&emulator, "POST", "/v1/op/webhooks");
    assert_eq!(posts, [("/v1/op/webhooks".to_owned(), 0)], "POSTs received");
    assert!(emulator.webhooks(None).is_empty());
}

#[test]
fn long_retry_after_gives_rate_limited() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let limited = FaultAction::Status {
        status: 429,
        retry_after: Some("3600".to_owned()),
        body: None,
    };
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 0, limited));

    let run = run_scenario(&emulator, default_account(), "rate-limited", None);

    let call = run.call("list");
    assert_failed(call, vw_result::VW_ERROR_RATE_LIMITED, "list");
    assert_eq!(call.json["httpStatus"], 429, "{call:?}");
    // A Retry-After over the 60 s maximum ends the retries at once.
    assert!(call.elapsed < Duration::from_secs(5), "{call:?}");
    let gets = requests_to(&emulator, "GET", "/v1/op/webhooks");
    assert_eq!(gets, [("/v1/op/webhooks".to_owned(), 429)], "GETs received");
}

#[test]
fn oversized_body_is_cut_off() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let with_length = FaultAction::Oversized { bytes: 1_000_000 };
    let without_length = FaultAction::Oversized { bytes: u64::MAX };
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 1, with_length));
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 1, without_length));

    let run = run_scenario(&emulator, default_account(), "oversized", None);

    for label in ["with-length", "without-length"] {
        let call = run.call(label);
        assert_failed(call, vw_result::VW_ERROR_RESPONSE_TOO_LARGE, label);
        assert!(call.elapsed < Duration::from_secs(10), "{label}: {call:?}");
    }
    assert_eq!(requests_to(&emulator, "GET", "/v1/op/webhooks").len(), 2);
}

#[test]
fn ids_reach_the_server_as_one_segment() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();

    let run = run_scenario(&emulator, default_account(), "encoded-names", None);

    let encoded = ["a%2Fb%23c%3Fd", "x%20y%25z%26w%3D1", "..%2Fup"];
    for (index, segment) in encoded.iter().enumerate() {
        let get = run.call(&format!("get-{index}"));
        assert_failed(get, vw_result::VW_ERROR_NOT_FOUND, segment);
        assert_eq!(get.json["httpStatus"], 404, "{get:?}");
        let delete = run.call(&format!("delete-key-{index}"));
        assert_failed(delete, vw_result::VW_ERROR_NOT_FOUND, segment);
    }

    let gets = requests_to(&emulator, "GET", "/v1/op/webhooks/");
    let expected: Vec<(String, u16)> = encoded
        .iter()
        .map(|segment| (format!("/v1/op/webhooks/{segment}"), 404))
        .collect();
    assert_eq!(gets, expected, "GET targets");
    let deletes = requests_to(&emulator, "DELETE", "/v1alpha/admin/encryption-keys/");
    let expected: Vec<(String, u16)> = encoded
        .iter()
        .map(|segment| (format!("/v1alpha/admin/encryption-keys/{segment}"), 404))
        .collect();
    assert_eq!(deletes, expected, "DELETE targets");
}

#[test]
fn unavailable_is_retried_transparently() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let unavailable = FaultAction::Status {
        status: 503,
        retry_after: None,
        body: None,
    };
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 2, unavailable));

    let run = run_scenario(&emulator, default_account(), "retry", None);

    let once = run.call("one-attempt");
    assert_failed(once, vw_result::VW_ERROR_API, "one-attempt");
    assert_eq!(once.json["httpStatus"], 503, "{once:?}");
    let retried = run.call("default-attempts");
    assert_eq!(retried.result, vw_result::VW_OK as i32, "{retried:?}");
    assert!(retried.json["webhooks"].is_array(), "{retried:?}");
    let statuses: Vec<u16> = requests_to(&emulator, "GET", "/v1/op/webhooks")
        .into_iter()
        .map(|(_, status)| status)
        .collect();
    assert_eq!(statuses, [503, 503, 200], "statuses of the GETs");
}

#[test]
fn error_json_never_shows_secrets() {
    const API_KEY: &str = "reliability-api-key-91be";
    const USER: &str = "reliability-user";
    const PASSWORD: &str = "reliability-password-5f07";
    let config = EmulatorConfig {
        api_keys: vec![API_KEY.to_owned()],
        users: vec![(USER.to_owned(), PASSWORD.to_owned())],
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(config).unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    let run = run_scenario(
        &emulator,
        (API_KEY, USER, PASSWORD),
        "secrets",
        Some(&closed_url),
    );

    let expected = [
        ("wrong-password", vw_result::VW_ERROR_UNAUTHORIZED),
        ("wrong-api-key", vw_result::VW_ERROR_UNAUTHORIZED),
        ("closed-port", vw_result::VW_ERROR_CONNECTION),
        ("rejected-create", vw_result::VW_ERROR_API),
        ("bad-config", vw_result::VW_ERROR_INVALID_CONFIG),
    ];
    for (label, code) in expected {
        assert_failed(run.call(label), code, label);
    }
    for secret in [
        API_KEY,
        PASSWORD,
        "reliability-wrong-password-77aa",
        "reliability-wrong-api-key-0c3e",
        "reliability-token-4d2b",
        "reliability-config-key",
        "reliability-config-password",
    ] {
        assert!(
            !run.output.contains(secret),
            "the output shows the secret {secret:?}:\n{}",
            run.output
        );
    }
}

#[test]
fn log_callback_follows_its_level() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();

    let run = run_scenario(&emulator, default_account(), "logging", None);

    for label in ["list-debug", "list-off", "list-null"] {
        assert_eq!(
            run.call(label).result,
            vw_result::VW_OK as i32,
            "{label}: {}",
            run.output
        );
    }
    let debug_lines: Vec<&(String, i32, String)> = run
        .logs
        .iter()
        .filter(|(phase, level, _)| phase == "debug" && *level == 4)
        .collect();
    assert!(!debug_lines.is_empty(), "no debug line:\n{}", run.output);
    assert!(
        debug_lines
            .iter()
            .any(|(_, _, message)| message.contains("/v1/op/webhooks")),
        "no debug line names the request:\n{}",
        run.output
    );
    assert!(run.counts["debug"] > 0, "{}", run.output);
    assert_eq!(run.counts["off"], 0, "lines at VW_LOG_OFF:\n{}", run.output);
    assert_eq!(
        run.counts["null"], 0,
        "lines after a NULL callback:\n{}",
        run.output
    );
    assert!(
        run.logs.iter().all(|(phase, _, _)| phase == "debug"),
        "{}",
        run.output
    );
    for (_, _, message) in &run.logs {
        assert!(!message.contains(DEFAULT_API_KEY), "{message}");
        assert!(!message.contains(DEFAULT_PASSWORD), "{message}");
    }
}

#[test]
fn hostile_runs_clean_under_valgrind() {
    if !c_support::valgrind_available() {
        eprintln!("valgrind is not installed; skipping hostile.c under valgrind");
        return;
    }
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let dir = scratch_dir("c-test-hostile-valgrind");
    let source = repo_dir().join("tests/c/hostile.c");
    let hostile = build_program("cc", "-std=c99", &[source], &dir.join("hostile"));

    let mut command = Command::new("valgrind");
    command
        .arg("--leak-check=full")
        .arg("--errors-for-leak-kinds=definite,possible")
        .arg(format!("--error-exitcode={VALGRIND_ERROR_EXIT}"))
        .arg(&hostile)
        .arg(emulator.base_url())
        .arg(DEFAULT_API_KEY)
        .arg(DEFAULT_USER)
        .arg(DEFAULT_PASSWORD);
    let started = Instant::now();
    let output = run_with_timeout(command, Duration::from_secs(120));

    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    eprintln!("hostile.c under valgrind took {:?}", started.elapsed());
}
