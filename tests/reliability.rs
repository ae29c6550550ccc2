//! Retries, timeouts, size limits, redirects and path safety, against the emulator's fault
//! injection and a scripted loopback server.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime};

use common::stub::{Answer, Stub};
use visier_webhooks::{
    Client, Endpoint, Error, EventType, ListFilter, RetryPolicy, WebhookDetails, WebhookRequest,
};
use visier_webhooks_emulator::{Emulator, Fault, FaultAction};

fn status_fault(
    method: &str,
    path: &str,
    count: u32,
    status: u16,
    retry_after: Option<&str>,
) -> Fault {
    Fault {
        method: Some(method.into()),
        path: path.into(),
        count,
        action: FaultAction::Status {
            status,
            retry_after: retry_after.map(str::to_owned),
            body: None,
        },
    }
}

fn fault(method: &str, path: &str, count: u32, action: FaultAction) -> Fault {
    Fault {
        method: Some(method.into()),
        path: path.into(),
        count,
        action,
    }
}

fn attempts(emulator: &Emulator, method: &str, target: &str) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|record| record.method == method && record.target == target)
        .count()
}

fn new_request(name: &str) -> WebhookRequest {
    WebhookRequest::new(
        WebhookDetails::new("http://127.0.0.1:9/", [EventType::DvPublish]).display_name(name),
    )
}

#[test]
fn get_is_retried_on_503_with_retry_after() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 2, 503, Some("1")));
    let started = Instant::now();
    client.list_webhooks(&ListFilter::new()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 4);
    assert!(
        elapsed >= Duration::from_secs(2),
        "Retry-After honoured: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn retryable_statuses_are_retried() {
    for status in [429, 502, 503, 504] {
        let emulator = common::emulator();
        let client = common::client(&emulator);
        emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 1, status, None));
        client
            .list_webhooks(&ListFilter::new())
            .unwrap_or_else(|error| panic!("{status}: {error}"));
        assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 2, "{status}");
    }
}

#[test]
fn other_statuses_are_not_retried() {
    for status in [400, 403, 404, 409, 500] {
        let emulator = common::emulator();
        let client = common::client(&emulator);
        emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 1, status, None));
        let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
        assert_eq!(error.status(), Some(status), "{error}");
        assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 1, "{status}");
    }
}

#[test]
fn retry_after_http_date_is_honoured() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    client.list_keys().unwrap();
    let at = SystemTime::now() + Duration::from_secs(2);
    let date = http_date(at);
    emulator.inject_fault(status_fault(
        "GET",
        "/v1alpha/admin/encryption-keys",
        1,
        429,
        Some(&date),
    ));
    let started = Instant::now();
    client.list_keys().unwrap();
    let elapsed = started.elapsed();
    // An HTTP date has whole seconds, so the wait is between 1 and 2 s.
    assert!(
        elapsed >= Duration::from_millis(900),
        "{elapsed:?} for {date}"
    );
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

#[test]
fn long_retry_after_ends_retries() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .retry_policy(RetryPolicy::default().max_retry_after(Duration::from_secs(5)))
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 1, 429, Some("3600")));
    let started = Instant::now();
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(error.status(), Some(429));
    assert_eq!(
        error.api_error().unwrap().retry_after,
        Some(Duration::from_secs(3600))
    );
}

#[test]
fn attempts_are_bounded() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 0, 503, None));
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 1 + 3);
}

#[test]
fn total_time_is_bounded() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(100)
                .initial_backoff(Duration::from_millis(200))
                .max_backoff(Duration::from_millis(200))
                .max_total(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 0, 503, None));
    let started = Instant::now();
    client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    let sent = attempts(&emulator, "GET", "/v1/op/webhooks") - 1;
    assert!((3..=11).contains(&sent), "{sent} attempts in 1 s");
}

#[test]
fn retries_can_be_turned_off() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(status_fault("GET", "/v1/op/webhooks", 1, 503, None));
    client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 2);
}

#[test]
fn closed_connection_retries_get() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 1, FaultAction::Close));
    client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 3);
}

#[test]
fn create_is_never_sent_twice() {
    for action in [
        FaultAction::Close,
        FaultAction::Status {
            status: 503,
            retry_after: None,
            body: None,
        },
        FaultAction::Status {
            status: 504,
            retry_after: None,
            body: None,
        },
    ] {
        let emulator = common::emulator();
        let client = common::client(&emulator);
        client.list_webhooks(&ListFilter::new()).unwrap();
        emulator.inject_fault(fault("POST", "/v1/op/webhooks", 1, action.clone()));
        let error = client.create_webhook(&new_request("once")).unwrap_err();
        assert!(
            matches!(error, Error::OutcomeUnknown { .. }),
            "{action:?}: {error:?}"
        );
        assert!(error.to_string().contains("outcome unknown"), "{error}");
        assert_eq!(
            attempts(&emulator, "POST", "/v1/op/webhooks"),
            1,
            "{action:?}"
        );
    }
}

#[test]
fn create_is_retried_after_429() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    emulator.inject_fault(status_fault("POST", "/v1/op/webhooks", 1, 429, Some("0")));
    client.create_webhook(&new_request("after 429")).unwrap();
    assert_eq!(attempts(&emulator, "POST", "/v1/op/webhooks"), 2);
    assert_eq!(emulator.webhooks(None).len(), 1);
}

#[test]
fn test_event_timeout_is_outcome_unknown() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let created = client.create_webhook(&new_request("slow")).unwrap();
    let path = format!("/v1/op/webhooks/{}/testEvent", created.webhook_id);
    emulator.inject_fault(fault(
        "POST",
        &path,
        1,
        FaultAction::Delay(Duration::from_secs(2)),
    ));
    let started = Instant::now();
    let error = client
        .send_test_event(&created.webhook_id, EventType::DvPublish)
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert!(matches!(error, Error::OutcomeUnknown { .. }), "{error:?}");
    assert!(error.is_timeout(), "{error:?}");
}

#[test]
fn slow_answer_times_out_in_bounded_time() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .timeout(Duration::from_millis(300))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(fault(
        "GET",
        "/v1/op/webhooks",
        0,
        FaultAction::Delay(Duration::from_secs(3)),
    ));
    let started = Instant::now();
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[test]
fn silent_server_times_out() {
    // Accepts connections and never reads or responds.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let client = Client::builder()
        .host(url)
        .api_key("k")
        .auth(visier_webhooks::Auth::SecurityToken("t".into()))
        .timeout(Duration::from_millis(400))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get_webhook("w").unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(listener);
}

#[test]
fn refused_connection_is_connection_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .host(format!("http://127.0.0.1:{port}"))
        .api_key("k")
        .auth(visier_webhooks::Auth::SecurityToken("t".into()))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
    // A create that could not connect never reached the server, so it is retried and the
    // error is a plain connection error.
    let error = client.create_webhook(&new_request("x")).unwrap_err();
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
}

#[test]
fn oversized_body_is_rejected_at_the_limit() {
    for bytes in [10 * 1024 * 1024, u64::MAX] {
        let emulator = common::emulator();
        let client = common::builder(&emulator, common::user_auth())
            .max_response_bytes(64 * 1024)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        client.list_webhooks(&ListFilter::new()).unwrap();
        emulator.inject_fault(fault(
            "GET",
            "/v1/op/webhooks",
            1,
            FaultAction::Oversized { bytes },
        ));
        let started = Instant::now();
        let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
        assert!(
            matches!(error, Error::ResponseTooLarge { limit: 65536, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("65536"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn oversized_body_is_not_downloaded_again() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(fault(
        "GET",
        "/v1/op/webhooks",
        0,
        FaultAction::Oversized { bytes: 1 << 20 },
    ));
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    assert_eq!(attempts(&emulator, "GET", "/v1/op/webhooks"), 2);
}

#[test]
fn repeated_delete_finding_nothing_is_outcome_unknown() {
    let emulator = common::emulator();
    // The retry waits about 1 s, so it starts after the delayed first attempt was applied.
    let client = common::builder(&emulator, common::user_auth())
        .timeout(Duration::from_millis(400))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1200))
                .max_backoff(Duration::from_millis(1200)),
        )
        .build()
        .unwrap();
    let created = client.create_webhook(&new_request("slow delete")).unwrap();
    // The first DELETE is applied after the client gave up waiting; the repeat finds nothing.
    emulator.inject_fault(fault(
        "DELETE",
        "/v1/op/webhooks/",
        1,
        FaultAction::Delay(Duration::from_millis(800)),
    ));
    let error = client.delete_webhook(&created.webhook_id).unwrap_err();
    assert!(matches!(error, Error::OutcomeUnknown { .. }), "{error:?}");
    assert_eq!(error.status(), Some(404));
    assert!(error.to_string().contains("outcome unknown"), "{error}");
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        emulator.webhooks(None).is_empty(),
        "the first DELETE was applied"
    );
}

#[test]
fn malformed_body_is_decode_error() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    client.list_webhooks(&ListFilter::new()).unwrap();
    emulator.inject_fault(fault("GET", "/v1/op/webhooks", 1, FaultAction::Malformed));
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[test]
fn redirect_is_refused_and_credentials_stay() {
    let elsewhere = Stub::start(|_| Answer::json(200, r#"{"webhooks": []}"#));
    let location = format!("{}/v1/op/webhooks", elsewhere.base_url);
    let redirecting = Stub::start(move |_| Answer::json(302, "{}").header("location", &location));
    let client = Client::builder()
        .host(&redirecting.base_url)
        .api_key("redirect-api-key")
        .auth(visier_webhooks::Auth::BearerToken("redirect-token".into()))
        .build()
        .unwrap();
    let error = client.list_webhooks(&ListFilter::new()).unwrap_err();
    match &error {
        Error::Redirect {
            status, location, ..
        } => {
            assert_eq!(*status, 302);
            assert!(location
                .as_deref()
                .unwrap()
                .starts_with(&elsewhere.base_url));
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    assert!(error.to_string().contains("redirect refused"), "{error}");
    assert_eq!(redirecting.requests().len(), 1);
    assert!(
        elsewhere.requests().is_empty(),
        "nothing went to the other host"
    );
}

#[test]
fn ids_reach_server_as_one_segment() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    let kept = client.create_webhook(&new_request("kept")).unwrap();
    let cases = [
        ("abc#x", "/v1/op/webhooks/abc%23x"),
        ("abc?x=1", "/v1/op/webhooks/abc%3Fx%3D1"),
        ("a/b", "/v1/op/webhooks/a%2Fb"),
        ("../admin", "/v1/op/webhooks/..%2Fadmin"),
    ];
    for (id, target) in cases {
        let before = emulator.requests().len();
        let error = client.delete_webhook(id).unwrap_err();
        assert!(error.is_not_found(), "{id}: {error}");
        assert!(
            error.api_error().unwrap().description().contains(id),
            "the server saw the whole id {id}: {error}"
        );
        let sent: Vec<_> = emulator.requests().into_iter().skip(before).collect();
        assert_eq!(sent.len(), 1, "{id}");
        assert_eq!(sent[0].method, "DELETE");
        assert_eq!(sent[0].target, target, "{id}");
    }
    // Key names get the same treatment.
    let before = emulator.requests().len();
    client.delete_key("a/b#c").unwrap_err();
    let sent = emulator.requests();
    assert_eq!(
        sent[before].target,
        "/v1alpha/admin/encryption-keys/a%2Fb%23c"
    );
    // The real webhook was never touched.
    assert_eq!(client.get_webhook(&kept.webhook_id).unwrap(), kept);
    assert_eq!(emulator.webhooks(None).len(), 1);
}

#[test]
fn empty_and_dot_ids_are_rejected_before_sending() {
    let emulator = common::emulator();
    let client = common::client(&emulator);
    client.list_webhooks(&ListFilter::new()).unwrap();
    let before = emulator.requests().len();
    for id in ["", ".", ".."] {
        for error in [
            client.get_webhook(id).unwrap_err(),
            client.delete_webhook(id).unwrap_err(),
            client.delete_key(id).unwrap_err(),
            client
                .send_raw(Endpoint::DeleteCredentials(id), None)
                .unwrap_err(),
        ] {
            assert!(matches!(error, Error::InvalidInput(_)), "{id:?}: {error:?}");
        }
    }
    assert_eq!(emulator.requests().len(), before, "nothing was sent");
}

#[test]
fn rate_limit_answers_429() {
    let emulator = common::emulator_with(|config| config.rate_limit_per_minute = Some(3));
    let client = common::builder(&emulator, common::user_auth())
        .retry_policy(RetryPolicy::default().max_retry_after(Duration::from_secs(1)))
        .build()
        .unwrap();
    let mut limited = None;
    for _ in 0..5 {
        if let Err(error) = client.list_webhooks(&ListFilter::new()) {
            limited = Some(error);
            break;
        }
    }
    let error = limited.expect("the limit is reached within 5 calls");
    assert_eq!(error.status(), Some(429), "{error}");
    let retry_after = error.api_error().unwrap().retry_after;
    assert!(retry_after.is_some_and(|wait| wait <= Duration::from_secs(60)));
}

/// Formats an IMF-fixdate, such as `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(at: SystemTime) -> String {
    let seconds = at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let days = (seconds / 86_400) as i64;
    let (hour, minute, second) = ((seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {month_name} {year} {hour:02}:{minute:02}:{second:02} GMT")
}
