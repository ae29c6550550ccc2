//! Token lifetimes and failures that a server controls: odd `expires_in` values, a renewal
//! that fails while the token is still valid, and a failed fetch that many threads wait for.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::stub::{Answer, Recorded, Stub};
use visier_webhooks::{Auth, Client, ListFilter, RetryPolicy};

const OAUTH_PATH: &str = "/v1/auth/oauth2/token";
const SECURE_TOKEN_PATH: &str = "/v1/admin/visierSecureToken";

fn oauth_client(stub: &Stub, timeout: Duration) -> Client {
    Client::builder()
        .host(&stub.base_url)
        .api_key("stub-key")
        .auth(Auth::OAuthPassword {
            client_id: "client".into(),
            client_secret: "secret".into(),
            username: "user".into(),
            password: "pw".into(),
        })
        .timeout(timeout)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn token_requests(stub: &Stub) -> usize {
    stub.requests()
        .iter()
        .filter(|request| request.target == OAUTH_PATH)
        .count()
}

/// Responds to token requests with `expires_in` and every other request with an empty list.
fn oauth_stub(expires_in: &'static str) -> Stub {
    Stub::start(move |request: &Recorded| {
        if request.target == OAUTH_PATH {
            Answer::json(
                200,
                &format!(r#"{{"access_token":"a","refresh_token":"r","expires_in":{expires_in}}}"#),
            )
        } else {
            Answer::json(200, r#"{"webhooks":[]}"#)
        }
    })
}

#[test]
fn huge_expires_in_is_capped() {
    let stub = oauth_stub("18446744073709551615");
    let client = oauth_client(&stub, Duration::from_secs(5));
    for _ in 0..3 {
        client.list_webhooks(&ListFilter::new()).unwrap();
    }
    assert_eq!(token_requests(&stub), 1);
}

#[test]
fn zero_expires_in_is_not_renewed_each_call() {
    let stub = oauth_stub("0");
    let client = oauth_client(&stub, Duration::from_secs(5));
    for _ in 0..3 {
        client.list_webhooks(&ListFilter::new()).unwrap();
    }
    assert_eq!(token_requests(&stub), 1);
}

#[test]
fn failed_renewal_keeps_valid_token() {
    // The first token lives 10 s, so renewal starts 1 s before expiry; every later token
    // request fails.
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let stub = Stub::start(move |request: &Recorded| {
        if request.target != OAUTH_PATH {
            return Answer::json(200, r#"{"webhooks":[]}"#);
        }
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Answer::json(
                200,
                r#"{"access_token":"a","refresh_token":"r","expires_in":10}"#,
            )
        } else {
            Answer::json(503, r#"{"code":"Unavailable"}"#)
        }
    });
    let client = oauth_client(&stub, Duration::from_secs(5));
    client.list_webhooks(&ListFilter::new()).unwrap();
    thread::sleep(Duration::from_millis(9_200));
    // Renewal fails (refresh, then password grant), yet the call uses the still-valid token.
    client.list_webhooks(&ListFilter::new()).unwrap();
    let after_failure = token_requests(&stub);
    assert_eq!(
        after_failure, 3,
        "one grant, one refresh, one password grant"
    );
    // The next call does not try again at once.
    client.list_webhooks(&ListFilter::new()).unwrap();
    assert_eq!(token_requests(&stub), after_failure);
}

#[test]
fn waiting_threads_share_failed_fetch() {
    // The token endpoint never responds in time.
    let stub = Stub::start(|request: &Recorded| {
        if request.target == SECURE_TOKEN_PATH {
            thread::sleep(Duration::from_millis(1500));
        }
        Answer::text(200, "token")
    });
    let client = Client::builder()
        .host(&stub.base_url)
        .api_key("stub-key")
        .auth(Auth::UsernamePassword {
            username: "user".into(),
            password: "pw".into(),
        })
        .timeout(Duration::from_millis(600))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let threads = 4;
    let barrier = Arc::new(Barrier::new(threads));
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let client = client.clone();
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                let result = client.list_webhooks(&ListFilter::new());
                (result.is_err(), started.elapsed())
            })
        })
        .collect();
    for handle in handles {
        let (failed, elapsed) = handle.join().unwrap();
        assert!(failed, "the token fetch timed out");
        // One timed-out fetch serves every thread, so no thread waits for a second one.
        assert!(elapsed < Duration::from_millis(1150), "{elapsed:?}");
    }
    let fetches = stub
        .requests()
        .iter()
        .filter(|request| request.target == SECURE_TOKEN_PATH)
        .count();
    assert_eq!(fetches, 1);
}

#[test]
fn security_token_request_accepts_text() {
    let stub = Stub::start(|request: &Recorded| {
        if request.target == SECURE_TOKEN_PATH {
            Answer::text(200, "token")
        } else {
            Answer::json(200, r#"{"webhooks":[]}"#)
        }
    });
    let client = Client::builder()
        .host(&stub.base_url)
        .api_key("stub-key")
        .auth(Auth::UsernamePassword {
            username: "user".into(),
            password: "pw".into(),
        })
        .build()
        .unwrap();
    client.list_webhooks(&ListFilter::new()).unwrap();
    let requests = stub.requests();
    let accept = requests[0].header("accept").unwrap_or_default();
    assert!(accept.contains("text/plain"), "{accept}");
    assert_eq!(requests[1].header("accept"), Some("application/json"));
}
