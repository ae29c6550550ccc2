//! The webhook subcommands against the emulator.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn create_get_list_delete() {
    let emulator = start_emulator();
    let id = create_webhook(&emulator, "https://hooks.example.com/a");

    let get = run(&emulator, &["get", &id]);
    assert_ok(&get);
    assert_eq!(get.json(), emulator.webhooks(None)[0]);
    assert_eq!(get.json()["details"]["isActive"], false);
    assert_eq!(
        get.json()["details"]["events"],
        json!([{"eventType": "jobResultSuccess"}])
    );

    let list = run(&emulator, &["list"]);
    assert_ok(&list);
    assert_eq!(list.json()["webhooks"][0]["webhookId"], id.as_str());

    let active = run(
        &emulator,
        &["list", "--active", "--event", "jobResultSuccess"],
    );
    assert_ok(&active);
    assert_eq!(active.json(), json!({"webhooks": []}));
    let targets: Vec<String> = emulator
        .requests()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert!(
        targets.contains(&"/v1/op/webhooks?isActive=true&event=jobResultSuccess".to_owned()),
        "{targets:?}"
    );

    let delete = run(&emulator, &["delete", &id]);
    assert_ok(&delete);
    assert_eq!(delete.json()["webhookId"], id.as_str());
    assert!(emulator.webhooks(None).is_empty());

    let missing = run(&emulator, &["get", &id]);
    assert_eq!(missing.code, 3, "{missing:?}");
    assert!(missing.stderr.starts_with("error: "), "{missing:?}");
    assert_eq!(missing.stderr.lines().count(), 1, "{missing:?}");
    assert!(missing.stdout.is_empty());
}

#[test]
fn output_is_raw_unless_pretty() {
    let emulator = start_emulator();
    let id = create_webhook(&emulator, "https://hooks.example.com/raw");

    let raw = run(&emulator, &["get", &id]);
    assert_ok(&raw);
    assert_eq!(raw.stdout.lines().count(), 1, "{raw:?}");

    let pretty = run(&emulator, &["get", &id, "--pretty"]);
    assert_ok(&pretty);
    assert!(pretty.stdout.lines().count() > 5, "{pretty:?}");
    assert!(pretty.stdout.contains("\n  \"details\": {\n"), "{pretty:?}");
    assert_eq!(pretty.json(), raw.json());
}

#[test]
fn create_from_flags_with_credentials_and_name() {
    let emulator = start_emulator();
    let run = run_stdin(
        &emulator,
        &[
            "create",
            "--url",
            "https://hooks.example.com/flags",
            "--event",
            "dvPublish",
            "--event",
            "jobResultFailure",
            "--name",
            "Flags hook",
            "--username",
            "hook-user",
            "--password-stdin",
        ],
        b"s3cret-pw\n",
    );
    assert_ok(&run);
    let webhook = run.json();
    assert_eq!(webhook["details"]["displayName"], "Flags hook");
    assert_eq!(
        webhook["details"]["targetUrl"],
        "https://hooks.example.com/flags"
    );
    assert_eq!(
        webhook["details"]["events"],
        json!([{"eventType": "dvPublish"}, {"eventType": "jobResultFailure"}])
    );
    let reference = webhook["credentialReference"].as_str().unwrap();
    assert!(!reference.is_empty(), "credentials were stored: {webhook}");
    assert!(!run.stdout.contains("s3cret-pw"));
    assert!(!run.stderr.contains("s3cret-pw"));
}

#[test]
fn create_from_stdin_file() {
    let emulator = start_emulator();
    let body = br#"{"details": {"targetUrl": "https://hooks.example.com/file",
        "isActive": false, "displayName": "From file",
        "events": [{"eventType": "auditEvent"}]}}"#;
    let run = run_stdin(&emulator, &["create", "--file", "-"], body);
    assert_ok(&run);
    assert_eq!(run.json()["details"]["displayName"], "From file");
    assert_eq!(emulator.webhooks(None).len(), 1);

    let not_json = run_stdin(&emulator, &["create", "--file", "-"], b"{\"details\":");
    assert_eq!(not_json.code, 2, "{not_json:?}");
    assert!(not_json.stderr.contains("not valid JSON"), "{not_json:?}");
    assert_eq!(emulator.webhooks(None).len(), 1, "nothing was sent");
}

#[test]
fn update_edits_named_fields() {
    let emulator = start_emulator();
    let id = create_webhook(&emulator, "https://hooks.example.com/edit");
    let key = run(&emulator, &["keys", "generate", "edit-test-key"]);
    assert_ok(&key);

    let edited = run(
        &emulator,
        &[
            "update",
            &id,
            "--activate",
            "--rename",
            "Edited",
            "--add-event",
            "dvPublish",
            "--remove-event",
            "jobResultSuccess",
            "--key-name",
            "edit-test-key",
        ],
    );
    assert_ok(&edited);
    let details = &emulator.webhooks(None)[0]["details"];
    assert_eq!(details["isActive"], true);
    assert_eq!(details["displayName"], "Edited");
    assert_eq!(details["targetUrl"], "https://hooks.example.com/edit");
    assert_eq!(details["events"], json!([{"eventType": "dvPublish"}]));
    assert_eq!(details["keyName"], "edit-test-key");
    assert_eq!(edited.json()["details"], *details);

    let unkeyed = run(
        &emulator,
        &[
            "update",
            &id,
            "--no-key",
            "--deactivate",
            "--url",
            "https://hooks.example.com/b",
        ],
    );
    assert_ok(&unkeyed);
    let details = &emulator.webhooks(None)[0]["details"];
    assert!(
        details.get("keyName").is_none_or(Value::is_null),
        "{details}"
    );
    assert_eq!(details["isActive"], false);
    assert_eq!(details["targetUrl"], "https://hooks.example.com/b");
    assert_eq!(details["displayName"], "Edited");

    let absent = run(&emulator, &["update", &id, "--remove-event", "auditEvent"]);
    assert_ok(&absent);
    assert!(absent.stderr.contains("warning:"), "{absent:?}");
}

#[test]
fn update_replaces_from_file() {
    let emulator = start_emulator();
    let created = run(
        &emulator,
        &[
            "create",
            "--url",
            "https://hooks.example.com/replace",
            "--event",
            "jobResultSuccess",
            "--name",
            "Before",
        ],
    );
    assert_ok(&created);
    let id = created.json()["webhookId"].as_str().unwrap().to_owned();
    let body = json!({
        "webhookId": id,
        "details": {
            "targetUrl": "https://hooks.example.com/new",
            "isActive": true,
            "events": [{"eventType": "dvPublish"}]
        }
    });
    let run = run_stdin(
        &emulator,
        &["update", &id, "--file", "-"],
        body.to_string().as_bytes(),
    );
    assert_ok(&run);
    let details = &emulator.webhooks(None)[0]["details"];
    assert_eq!(details["targetUrl"], "https://hooks.example.com/new");
    assert_eq!(details["isActive"], true);
    assert_eq!(details["events"], json!([{"eventType": "dvPublish"}]));
    assert!(
        details.get("displayName").is_none_or(Value::is_null),
        "fields left out are removed: {details}"
    );
}

#[test]
fn update_keeps_fields_unknown_to_tool() {
    let current = json!({
        "webhookId": "hook-1",
        "credentialReference": "ref-1",
        "futureTopLevel": {"nested": [1, 2.5, "x"]},
        "details": {
            "targetUrl": "https://hooks.example.com/u",
            "isActive": false,
            "events": [{"eventType": "dvPublish", "futureEventField": "kept"}],
            "keyName": "key-one",
            "futureDetail": 12345678901234i64
        }
    });
    let (url, requests) =
        start_mock_api(vec![(200, current.to_string()), (200, current.to_string())]);
    let env = vec![
        ("VISIER_APIKEY".to_owned(), "mock-api-key".to_owned()),
        ("VISIER_ACCESS_TOKEN".to_owned(), "mock-token".to_owned()),
    ];
    let run = run_with(
        &env,
        &[
            "--host",
            &url,
            "update",
            "hook-1",
            "--activate",
            "--rename",
            "R",
        ],
        None,
    );
    assert_ok(&run);

    let get = requests.recv().expect("the GET was received");
    assert_eq!(get.request_line, "GET /v1/op/webhooks/hook-1 HTTP/1.1");
    let put = requests.recv().expect("the PUT was received");
    assert_eq!(put.request_line, "PUT /v1/op/webhooks/hook-1 HTTP/1.1");
    let sent: Value = serde_json::from_slice(&put.body).expect("the PUT body is JSON");
    let mut expected = current.clone();
    expected["details"]["isActive"] = json!(true);
    expected["details"]["displayName"] = json!("R");
    assert_eq!(sent, expected);
}

#[test]
fn credentials_reach_receiver() {
    let emulator = start_emulator();
    let receiver = start_receiver(202, 10);
    let id = create_webhook(&emulator, &receiver);

    let basic = run_stdin(
        &emulator,
        &[
            "set-credentials",
            &id,
            "--username",
            "hook-user",
            "--password-stdin",
        ],
        b"s3cret-pw\r\n",
    );
    assert_ok(&basic);
    assert!(!basic.json()["credentialReference"]
        .as_str()
        .unwrap()
        .is_empty());

    let test = run(
        &emulator,
        &[
            "test",
            &id,
            "--event",
            "jobResultSuccess",
            "--format",
            "json",
        ],
    );
    assert_ok(&test);
    assert_eq!(test.json()["statusCode"], 202);
    let delivery = emulator
        .deliveries()
        .pop()
        .expect("a test event was delivered");
    // base64 of "hook-user:s3cret-pw"
    assert_eq!(
        authorization(&delivery).as_deref(),
        Some("Basic aG9vay11c2VyOnMzY3JldC1wdw==")
    );

    let mut env = emulator_env(&emulator);
    env.push(("HOOK_TOKEN".into(), "hook-token-value".into()));
    let token = run_with(
        &env,
        &["set-credentials", &id, "--token-env", "HOOK_TOKEN"],
        None,
    );
    assert_ok(&token);
    let table = run(
        &emulator,
        &[
            "test",
            &id,
            "--event",
            "jobResultSuccess",
            "--format",
            "table",
        ],
    );
    assert_ok(&table);
    assert!(
        table.stdout.contains("receiver returned HTTP 202"),
        "{table:?}"
    );
    let delivery = emulator.deliveries().pop().expect("a second test event");
    assert_eq!(
        authorization(&delivery).as_deref(),
        Some("Bearer hook-token-value")
    );

    let token_stdin = run_stdin(
        &emulator,
        &["set-credentials", &id, "--token-stdin"],
        b"t2\n",
    );
    assert_ok(&token_stdin);

    let removed = run(&emulator, &["delete-credentials", &id]);
    assert_ok(&removed);
    assert_eq!(removed.json()["credentialReference"], "");

    let empty = run_stdin(&emulator, &["set-credentials", &id, "--token-stdin"], b"\n");
    assert_eq!(empty.code, 2, "{empty:?}");
    let unset = run(
        &emulator,
        &["set-credentials", &id, "--token-env", "NOT_SET_ANYWHERE"],
    );
    assert_eq!(unset.code, 2, "{unset:?}");
    assert!(unset.stderr.contains("NOT_SET_ANYWHERE"), "{unset:?}");
}

fn authorization(delivery: &visier_webhooks_emulator::Delivery) -> Option<String> {
    delivery
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.clone())
}

#[test]
fn password_is_never_an_argument() {
    let emulator = start_emulator();
    let as_flag = run(
        &emulator,
        &[
            "set-credentials",
            "id",
            "--username",
            "u",
            "--password",
            "p",
        ],
    );
    assert_eq!(as_flag.code, 2, "{as_flag:?}");
    let missing_source = run(&emulator, &["set-credentials", "id", "--username", "u"]);
    assert_eq!(missing_source.code, 2, "{missing_source:?}");
}

#[test]
fn statuses_and_tables() {
    let emulator = start_emulator();
    let receiver = start_receiver(200, 1);
    let id = create_webhook(&emulator, &receiver);
    assert_ok(&run(
        &emulator,
        &["update", &id, "--activate", "--rename", "Tabled"],
    ));
    create_webhook(&emulator, "https://hooks.example.com/inactive");

    let statuses = run(&emulator, &["statuses", "--active"]);
    assert_ok(&statuses);
    let listed = statuses.json()["webhooks"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["webhookId"], id.as_str());
    assert_eq!(listed[0]["details"]["isActive"], true);

    let table = run(&emulator, &["statuses", "--format", "table"]);
    assert_ok(&table);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{table:?}");
    assert!(lines[0].starts_with("ID"), "{table:?}");
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&id) && l.contains("yes")));

    let list_table = run(&emulator, &["list", "--format", "table"]);
    assert_ok(&list_table);
    assert!(list_table.stdout.starts_with("ID"), "{list_table:?}");
    assert!(list_table.stdout.contains("Tabled"), "{list_table:?}");
    assert!(list_table.stdout.contains(&receiver), "{list_table:?}");
}

#[test]
fn flags_override_environment() {
    let emulator = start_emulator();
    let env = vec![
        (
            "VISIER_APIKEY".to_owned(),
            visier_webhooks_emulator::DEFAULT_API_KEY.to_owned(),
        ),
        (
            "VISIER_USERNAME".to_owned(),
            visier_webhooks_emulator::DEFAULT_USER.to_owned(),
        ),
        (
            "VISIER_PASSWORD".to_owned(),
            visier_webhooks_emulator::DEFAULT_PASSWORD.to_owned(),
        ),
        ("VISIER_API_VERSION".to_owned(), "v1".to_owned()),
    ];
    let url = emulator.base_url();
    let run = run_with(
        &env,
        &[
            "--host",
            &url,
            "--api-version",
            "v1beta",
            "--tenant",
            "tenant-b",
            "create",
            "--url",
            "https://hooks.example.com/t",
        ],
        None,
    );
    assert_ok(&run);
    assert!(emulator.webhooks(None).is_empty());
    assert_eq!(emulator.webhooks(Some("tenant-b")).len(), 1);
    let create = emulator
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.target.contains("/op/webhooks"))
        .expect("the create was received");
    assert_eq!(create.target, "/v1beta/op/webhooks");
}

#[test]
fn verbose_log_has_no_secrets() {
    let emulator = start_emulator();
    let run = run(&emulator, &["-v", "list"]);
    assert_ok(&run);
    assert!(run.stderr.contains("GET /v1/op/webhooks"), "{run:?}");
    assert!(!run
        .stderr
        .contains(visier_webhooks_emulator::DEFAULT_API_KEY));
    assert!(!run
        .stderr
        .contains(visier_webhooks_emulator::DEFAULT_PASSWORD));
}

#[test]
fn completions_for_bash() {
    let run = run_with(&[], &["completions", "bash"], None);
    assert_ok(&run);
    assert!(
        run.stdout.contains("complete -F _visier__webhooks"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("set-credentials"));
}
