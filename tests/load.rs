//! Eight threads share one client for 2,000 mixed operations while the emulator injects
//! faults. Afterwards the emulator's state is exactly what the successful calls did, and no
//! create was applied twice.

mod common;

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use visier_webhooks::{Error, EventType, ListFilter, RetryPolicy, WebhookDetails, WebhookRequest};
use visier_webhooks_emulator::{Fault, FaultAction};

const THREADS: usize = 8;
const CYCLES: usize = 50;
/// Operations of one cycle: create, get, modify (a get and a put), list, delete.
const OPERATIONS_PER_CYCLE: usize = 5;

#[derive(Default)]
struct Tally {
    operations: usize,
    created: Vec<String>,
    unknown_creates: usize,
    /// Display names of webhooks that a successful call left on the server.
    expected: BTreeSet<String>,
    errors: Vec<String>,
}

fn status(status: u16, retry_after: Option<&str>) -> FaultAction {
    FaultAction::Status {
        status,
        retry_after: retry_after.map(str::to_owned),
        body: None,
    }
}

#[test]
fn eight_threads_with_faults() {
    let emulator = common::emulator();
    let client = common::builder(&emulator, common::user_auth())
        .timeout(Duration::from_secs(1))
        .retry_policy(
            RetryPolicy::default()
                // More attempts than faults that can match one request, so that retries
                // absorb every fault whatever the threads' timing.
                .max_attempts(40)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    // Faults match by path prefix and the first injected applies first, so the delays come
    // before the 503s that also match "/v1/op/webhooks/{id}".
    let faults = [
        (
            "GET",
            "/v1/op/webhooks/",
            3,
            FaultAction::Delay(Duration::from_millis(1500)),
        ),
        ("GET", "/v1/op/webhooks", 30, status(503, None)),
        ("PUT", "/v1/op/webhooks/", 25, FaultAction::Close),
        ("POST", "/v1/op/webhooks", 20, status(429, Some("0"))),
        ("POST", "/v1/op/webhooks", 8, FaultAction::Close),
        ("POST", "/v1/op/webhooks", 8, status(503, None)),
        ("DELETE", "/v1/op/webhooks/", 25, status(502, None)),
    ];
    for (method, path, count, action) in faults {
        emulator.inject_fault(Fault {
            method: Some(method.into()),
            path: path.into(),
            count,
            action,
        });
    }

    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|thread_index| {
            let client = client.clone();
            thread::spawn(move || {
                let mut tally = Tally::default();
                for cycle in 0..CYCLES {
                    let name = format!("load-{thread_index}-{cycle}");
                    tally.operations += OPERATIONS_PER_CYCLE;
                    let request = WebhookRequest::new(
                        WebhookDetails::new("http://127.0.0.1:9/", [EventType::DvPublish])
                            .display_name(&name),
                    );
                    let created = match client.create_webhook(&request) {
                        Ok(created) => created,
                        Err(Error::OutcomeUnknown { .. }) => {
                            tally.unknown_creates += 1;
                            continue;
                        }
                        Err(error) => {
                            tally.errors.push(format!("create {name}: {error}"));
                            continue;
                        }
                    };
                    tally.created.push(name.clone());
                    tally.expected.insert(name.clone());
                    let id = created.webhook_id.clone();
                    if let Err(error) = client.get_webhook(&id) {
                        tally.errors.push(format!("get {name}: {error}"));
                    }
                    let renamed = format!("{name}-m");
                    match client
                        .modify_webhook(&id, |details| details.display_name = Some(renamed.clone()))
                    {
                        Ok(_) => {
                            tally.expected.remove(&name);
                            tally.expected.insert(renamed.clone());
                        }
                        Err(error) => tally.errors.push(format!("modify {name}: {error}")),
                    }
                    if let Err(error) = client.list_webhooks(&ListFilter::new()) {
                        tally.errors.push(format!("list: {error}"));
                    }
                    match client.delete_webhook(&id) {
                        Ok(_) => {
                            tally.expected.remove(&name);
                            tally.expected.remove(&renamed);
                        }
                        Err(error) => tally.errors.push(format!("delete {name}: {error}")),
                    }
                }
                tally
            })
        })
        .collect();

    let mut total = Tally::default();
    for handle in handles {
        let tally = handle.join().unwrap();
        total.operations += tally.operations;
        total.created.extend(tally.created);
        total.unknown_creates += tally.unknown_creates;
        total.expected.extend(tally.expected);
        total.errors.extend(tally.errors);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{} operations in {elapsed:?}: {} creates, {} with unknown outcome, {} errors",
        total.operations,
        total.created.len(),
        total.unknown_creates,
        total.errors.len()
    );
    assert_eq!(total.operations, THREADS * CYCLES * OPERATIONS_PER_CYCLE);
    assert!(
        total.errors.is_empty(),
        "retries absorb the faults: {:?}",
        total.errors
    );
    // 16 POST faults make 16 creates end with an unknown outcome; the 429s are retried.
    assert_eq!(total.unknown_creates, 16);

    // The server contains exactly the webhooks that successful calls left there.
    let state: Vec<String> = emulator
        .webhooks(None)
        .iter()
        .map(|webhook| {
            webhook["details"]["displayName"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let present: BTreeSet<String> = state.iter().cloned().collect();
    assert_eq!(present.len(), state.len(), "no name twice: {state:?}");
    assert_eq!(present, total.expected);

    // No create was applied twice: the server applied exactly the creates that succeeded.
    let applied_creates = emulator
        .requests()
        .iter()
        .filter(|record| {
            record.method == "POST" && record.target == "/v1/op/webhooks" && record.status == 200
        })
        .count();
    assert_eq!(applied_creates, total.created.len());
}
