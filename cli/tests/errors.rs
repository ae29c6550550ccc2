//! Exit statuses and error output for each kind of failure.

mod common;

use std::net::TcpListener;

use common::*;
use visier_webhooks_emulator::{Fault, FaultAction, DEFAULT_API_KEY};

fn status_fault(method: &str, path: &str, status: u16) -> Fault {
    Fault {
        method: Some(method.to_owned()),
        path: path.to_owned(),
        count: 0,
        action: FaultAction::Status {
            status,
            retry_after: None,
            body: None,
        },
    }
}

#[test]
fn not_found_as_json_error() {
    let emulator = start_emulator();
    let run = run(&emulator, &["get", "no-such-id", "--format", "json"]);
    assert_eq!(run.code, 3, "{run:?}");
    let error = run.stderr_json();
    assert_eq!(error["error"]["kind"], "not_found");
    assert_eq!(error["error"]["exitCode"], 3);
    assert_eq!(error["error"]["status"], 404);
    assert_eq!(error["error"]["code"], "NotFound");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no-such-id"));
}

#[test]
fn id_is_one_encoded_path_segment() {
    let emulator = start_emulator();
    let run = run(&emulator, &["delete", "a/b?c#d"]);
    assert_eq!(run.code, 3, "{run:?}");
    let targets: Vec<String> = emulator
        .requests()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert!(
        targets.contains(&"/v1/op/webhooks/a%2Fb%3Fc%23d".to_owned()),
        "{targets:?}"
    );
}

#[test]
fn bad_credentials_exit_4() {
    let emulator = start_emulator();
    let mut wrong_password = emulator_env(&emulator);
    wrong_password.retain(|(name, _)| name != "VISIER_PASSWORD");
    wrong_password.push(("VISIER_PASSWORD".into(), "wrong-password".into()));
    let run = run_with(&wrong_password, &["list"], None);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(!run.stderr.contains("wrong-password"), "{run:?}");

    let mut wrong_key = emulator_env(&emulator);
    wrong_key.retain(|(name, _)| name != "VISIER_APIKEY");
    wrong_key.push(("VISIER_APIKEY".into(), "wrong-api-key".into()));
    let run = run_with(&wrong_key, &["keys", "list"], None);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(!run.stderr.contains("wrong-api-key"), "{run:?}");
    assert!(!run.stderr.contains(DEFAULT_API_KEY), "{run:?}");
}

#[test]
fn emulator_down_exits_6() {
    // Bind a port, then free it, so that nothing listens there.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let env = vec![
        ("VISIER_HOST".to_owned(), format!("http://127.0.0.1:{port}")),
        ("VISIER_APIKEY".to_owned(), "key".to_owned()),
        ("VISIER_ACCESS_TOKEN".to_owned(), "token".to_owned()),
    ];
    let run = run_with(&env, &["list", "--retries", "0"], None);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(
        run.stderr.starts_with("error: connection failed"),
        "{run:?}"
    );
}

#[test]
fn rate_limited_exits_5() {
    let emulator = start_emulator();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 429));
    let run = run(&emulator, &["list", "--retries", "0"]);
    assert_eq!(run.code, 5, "{run:?}");
}

#[test]
fn server_error_exits_7() {
    let emulator = start_emulator();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks-status", 500));
    let run = run(&emulator, &["statuses", "--retries", "0"]);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.stderr.contains("500"), "{run:?}");
}

#[test]
fn lost_create_exits_8() {
    let emulator = start_emulator();
    emulator.inject_fault(Fault {
        method: Some("POST".to_owned()),
        path: "/v1/op/webhooks".to_owned(),
        count: 1,
        action: FaultAction::Close,
    });
    let run = run(
        &emulator,
        &[
            "create",
            "--url",
            "https://hooks.example.com/lost",
            "--retries",
            "0",
        ],
    );
    assert_eq!(run.code, 8, "{run:?}");
    assert!(run.stderr.contains("outcome unknown"), "{run:?}");
}

#[test]
fn usage_and_config_errors_exit_2() {
    let emulator = start_emulator();
    let no_command = run(&emulator, &[]);
    assert_eq!(no_command.code, 2, "{no_command:?}");

    let unknown_flag = run(&emulator, &["list", "--no-such-flag"]);
    assert_eq!(unknown_flag.code, 2, "{unknown_flag:?}");

    let no_edit = run(&emulator, &["update", "id-1"]);
    assert_eq!(no_edit.code, 2, "{no_edit:?}");

    let both_states = run(&emulator, &["update", "id-1", "--activate", "--deactivate"]);
    assert_eq!(both_states.code, 2, "{both_states:?}");

    let bad_timeout = run(&emulator, &["list", "--timeout", "0"]);
    assert_eq!(bad_timeout.code, 2, "{bad_timeout:?}");

    let no_host = run_with(&[], &["list"], None);
    assert_eq!(no_host.code, 2, "{no_host:?}");
    assert!(no_host.stderr.contains("VISIER_HOST"), "{no_host:?}");

    let no_host_json = run_with(&[], &["list", "--format", "json"], None);
    assert_eq!(no_host_json.code, 2, "{no_host_json:?}");
    assert_eq!(no_host_json.stderr_json()["error"]["kind"], "usage");

    let empty_id = run(&emulator, &["get", ""]);
    assert_eq!(empty_id.code, 2, "{empty_id:?}");
    assert!(emulator.requests().is_empty(), "no request was sent");

    let help = run_with(&[], &["update", "--help"], None);
    assert_ok(&help);
    assert!(help.stdout.contains("Examples:"), "{help:?}");
}

#[test]
fn timeout_exits_6() {
    let emulator = start_emulator();
    emulator.inject_fault(Fault {
        method: Some("GET".to_owned()),
        path: "/v1/op/webhooks".to_owned(),
        count: 0,
        action: FaultAction::Delay(std::time::Duration::from_secs(3)),
    });
    let run = run(&emulator, &["list", "--timeout", "0.5", "--retries", "0"]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stderr.contains("timed out"), "{run:?}");
}

#[test]
fn response_not_json_exits_7() {
    let emulator = start_emulator();
    for path in ["/v1/op/", "/v1alpha/admin/encryption-keys"] {
        emulator.inject_fault(Fault {
            method: Some("GET".to_owned()),
            path: path.to_owned(),
            count: 0,
            action: FaultAction::Malformed,
        });
    }
    let commands: [&[&str]; 5] = [
        &["list"],
        &["list", "--format", "table"],
        &["get", "some-id"],
        &["statuses"],
        &["keys", "list"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--retries", "0"]);
        let run = run(&emulator, &args);
        assert_eq!(run.code, 7, "{command:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{command:?} printed: {run:?}");
        assert!(
            run.stderr.contains("not valid JSON"),
            "{command:?}: {run:?}"
        );
    }

    let as_json = run(&emulator, &["list", "--format", "json", "--retries", "0"]);
    assert_eq!(as_json.code, 7, "{as_json:?}");
    assert!(as_json.stdout.is_empty(), "{as_json:?}");
    assert_eq!(as_json.stderr_json()["error"]["kind"], "api");
}

/// Runs `args` with `--format table` against a mock API that returns `body` with status 200.
fn table_of(body: &str, args: &[&str]) -> Run {
    let (url, requests) = start_mock_api(vec![(200, body.to_owned())]);
    let env = vec![
        ("VISIER_APIKEY".to_owned(), "mock-api-key".to_owned()),
        ("VISIER_ACCESS_TOKEN".to_owned(), "mock-token".to_owned()),
    ];
    let mut all_args = vec!["--host", &url, "--format", "table", "--retries", "0"];
    all_args.extend(args);
    let run = run_with(&env, &all_args, None);
    requests.recv().expect("the mock received the request");
    run
}

#[test]
fn table_of_wrong_shape_exits_7() {
    let cases: [(&[&str], &str, &str); 8] = [
        (&["list"], r#"{"webhooks":5}"#, "\"webhooks\" is a number"),
        (
            &["list"],
            r#"{"webhooks":[5]}"#,
            "item 0 of \"webhooks\" is a number",
        ),
        (&["list"], r#"{}"#, "has no \"webhooks\" member"),
        (
            &["list"],
            r#"[{"webhooks":[]}]"#,
            "the response is an array",
        ),
        (
            &["statuses"],
            r#"{"webhooks":"none"}"#,
            "\"webhooks\" is a string",
        ),
        (
            &["keys", "list"],
            r#"{"keyDetails":null}"#,
            "\"keyDetails\" is null",
        ),
        (
            &["keys", "list"],
            r#"{"keyDetails":[{}, true]}"#,
            "item 1 of \"keyDetails\" is a boolean",
        ),
        (
            &["test", "hook-1", "--event", "dvPublish"],
            r#"[]"#,
            "the response is an array",
        ),
    ];
    for (args, body, needle) in cases {
        let run = table_of(body, args);
        assert_eq!(run.code, 7, "{args:?} on {body}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?} on {body} printed: {run:?}");
        assert!(run.stderr.contains(needle), "{args:?} on {body}: {run:?}");
        assert!(
            run.stderr.contains("invalid response"),
            "{args:?} on {body}: {run:?}"
        );
    }

    let good = table_of(r#"{"webhooks":[]}"#, &["list"]);
    assert_ok(&good);
    assert_eq!(good.stdout.lines().count(), 1, "{good:?}");
    assert!(good.stdout.starts_with("ID"), "{good:?}");
}

#[test]
fn json_errors_hide_retry_warnings() {
    let emulator = start_emulator();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 503));
    let args = ["list", "--retries", "1"];

    let table = run(&emulator, &[&args[..], &["--format", "table"]].concat());
    assert_eq!(table.code, 7, "{table:?}");
    assert!(table.stderr.contains("warn: retrying GET"), "{table:?}");

    let json = run(&emulator, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(json.code, 7, "{json:?}");
    assert_eq!(json.stderr.lines().count(), 1, "{json:?}");
    let error = json.stderr_json();
    assert_eq!(error["error"]["kind"], "api");
    assert_eq!(error["error"]["status"], 503);

    let verbose = run(
        &emulator,
        &[&args[..], &["--format", "json", "-v"]].concat(),
    );
    assert_eq!(verbose.code, 7, "{verbose:?}");
    assert!(verbose.stderr.contains("warn: retrying GET"), "{verbose:?}");
    let last_line = verbose.stderr.lines().last().unwrap_or_default();
    let error: serde_json::Value = serde_json::from_str(last_line)
        .unwrap_or_else(|e| panic!("last stderr line is not JSON ({e}): {verbose:?}"));
    assert_eq!(error["error"]["status"], 503);
}

#[test]
fn usage_errors_as_json() {
    let cases: [(&[&str], &str); 7] = [
        (&["list", "--bogus", "--format", "json"], "'--bogus'"),
        (&["--format=json", "list", "--timeout", "0"], "--timeout"),
        (
            &[
                "update",
                "id-1",
                "--activate",
                "--deactivate",
                "--format",
                "json",
            ],
            "'--activate' cannot be used with '--deactivate'",
        ),
        (&["create", "--format", "json"], "--url"),
        (&["keys", "--format", "json"], "requires a subcommand"),
        (&["--format", "json", "keys"], "usage: visier-webhooks keys"),
        (&["create", "--url", "", "--format", "json"], "--url"),
    ];
    for (args, needle) in cases {
        let run = run_with(&[], args, None);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        let error = run.stderr_json();
        assert_eq!(error["error"]["kind"], "usage", "{args:?}");
        assert_eq!(error["error"]["exitCode"], 2, "{args:?}");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{args:?}: {message:?}");
        assert!(!message.starts_with("error:"), "{args:?}: {message:?}");
    }

    let text = run_with(&[], &["list", "--bogus", "--format", "table"], None);
    assert_eq!(text.code, 2, "{text:?}");
    assert!(
        text.stderr
            .starts_with("error: unexpected argument '--bogus'"),
        "{text:?}"
    );
    assert!(text.stderr.contains("Usage:"), "{text:?}");

    let help = run_with(&[], &["list", "--help", "--format", "json"], None);
    assert_ok(&help);
    assert!(help.stdout.contains("--active"), "{help:?}");
    assert!(help.stderr.is_empty(), "{help:?}");

    let version = run_with(&[], &["--version", "--format", "json"], None);
    assert_ok(&version);
    assert!(
        version.stdout.starts_with("visier-webhooks "),
        "{version:?}"
    );
}

#[test]
fn empty_url_is_usage_error() {
    let emulator = start_emulator();
    let id = create_webhook(&emulator, "https://hooks.example.com/kept");
    let before = emulator.requests().len();
    let cases: [&[&str]; 3] = [
        &["create", "--url", ""],
        &["create", "--url=", "--event", "dvPublish"],
        &["update", &id, "--url", " "],
    ];
    for args in cases {
        let run = run(&emulator, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("--url"), "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("must not be empty"),
            "{args:?}: {run:?}"
        );
    }
    assert_eq!(emulator.requests().len(), before, "a request was sent");
    let kept = run(&emulator, &["get", &id]);
    assert_ok(&kept);
    assert_eq!(
        kept.json()["details"]["targetUrl"],
        "https://hooks.example.com/kept"
    );
}
