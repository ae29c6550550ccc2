//! Benchmark client 1: this library from Rust, with one `Client` (one connection pool and one
//! token) for every call. The command line is the one described in the `visier_webhooks_bench`
//! crate documentation.

use std::process::ExitCode;
use std::time::Instant;

use visier_webhooks::{Client, ListFilter, Webhook};
use visier_webhooks_bench::{format_timings, Mode, OPERATIONS, WARMUP_CALLS};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-library-client: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mode = Mode::from_env()?;
    let webhook_id = mode.webhook_id();
    let client =
        Client::from_env().map_err(|error| format!("creating the client failed: {error}"))?;
    let webhook = get(&client, webhook_id)?;
    let Mode::Timed { calls, output, .. } = &mode else {
        return Ok(());
    };

    for _ in 1..WARMUP_CALLS {
        get(&client, webhook_id)?;
    }

    let filter = ListFilter::new();
    let mut timings = Vec::new();
    for operation in OPERATIONS {
        let mut latencies = Vec::with_capacity(*calls);
        for _ in 0..*calls {
            let started = Instant::now();
            match operation {
                "get" => {
                    get(&client, webhook_id)?;
                }
                "list" => {
                    let webhooks = client
                        .list_webhooks(&filter)
                        .map_err(|error| format!("list failed: {error}"))?;
                    if webhooks.is_empty() {
                        return Err("list returned no webhooks".to_owned());
                    }
                }
                "put" => {
                    client
                        .update_webhook(webhook_id, &webhook)
                        .map_err(|error| format!("put failed: {error}"))?;
                }
                other => unreachable!("unknown operation {other}"),
            }
            latencies.push(started.elapsed().as_nanos() as u64);
        }
        timings.push((operation, latencies));
    }
    std::fs::write(output, format_timings(&timings))
        .map_err(|error| format!("writing {} failed: {error}", output.display()))
}

fn get(client: &Client, webhook_id: &str) -> Result<Webhook, String> {
    client
        .get_webhook(webhook_id)
        .map_err(|error| format!("get failed: {error}"))
}
