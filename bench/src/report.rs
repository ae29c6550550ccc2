//! The Markdown report of a benchmark run.

use std::fmt::Write as _;

use crate::stats::Summary;

/// Results of one client.
#[derive(Debug, Clone)]
pub struct ClientResult {
    pub label: String,
    /// Timed calls per operation, in the order of [`crate::OPERATIONS`].
    pub operations: Vec<(String, Summary)>,
    pub max_rss_kib: Option<u64>,
    /// Median of the cold-start runs and their count, when measured.
    pub cold_start: Option<(u64, usize)>,
    /// Reason the client has no figures, when it failed or was not built.
    pub failure: Option<String>,
}

/// Formats a duration in nanoseconds as microseconds.
fn micros(nanoseconds: u64) -> String {
    format!("{:.1}", nanoseconds as f64 / 1000.0)
}

/// Formats `value / floor` as a ratio, or `-` when either is missing or the floor is zero.
fn ratio(value: Option<f64>, floor: Option<f64>) -> String {
    match (value, floor) {
        (Some(value), Some(floor)) if floor > 0.0 => {
            let ratio = value / floor;
            // Two decimals hide a ratio such as 0.004 (one process per call), so small ratios
            // get three.
            if ratio < 0.1 {
                format!("{ratio:.3}")
            } else {
                format!("{ratio:.2}")
            }
        }
        _ => "-".to_owned(),
    }
}

fn operation<'a>(result: &'a ClientResult, name: &str) -> Option<&'a Summary> {
    result
        .operations
        .iter()
        .find(|(operation, _)| operation == name)
        .map(|(_, summary)| summary)
}

/// Renders the latency table: one row per client and operation, each ratio taken against
/// `floor`, the client whose figures are the lower bound.
pub fn latency_table(results: &[ClientResult], floor: Option<&ClientResult>) -> String {
    let mut text = String::from(
        "| Client | Operation | Calls | Median (µs) | p95 (µs) | Calls/s | \
         Median ÷ floor | p95 ÷ floor | Calls/s ÷ floor |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for result in results {
        if let Some(failure) = &result.failure {
            let _ = writeln!(
                text,
                "| {} | - | - | - | - | - | - | - | - |\n| | not measured: {} | | | | | | | |",
                result.label,
                failure.replace('|', "/").replace('\n', " ")
            );
            continue;
        }
        for (name, summary) in &result.operations {
            let floor_summary = floor.and_then(|floor| operation(floor, name));
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | {} | {:.0} | {} | {} | {} |",
                result.label,
                name,
                summary.calls,
                micros(summary.median_ns),
                micros(summary.p95_ns),
                summary.calls_per_second,
                ratio(
                    Some(summary.median_ns as f64),
                    floor_summary.map(|f| f.median_ns as f64)
                ),
                ratio(
                    Some(summary.p95_ns as f64),
                    floor_summary.map(|f| f.p95_ns as f64)
                ),
                ratio(
                    Some(summary.calls_per_second),
                    floor_summary.map(|f| f.calls_per_second)
                ),
            );
        }
    }
    text
}

/// Renders the process table: peak resident set size, its ratio to `floor`, and the cold
/// start.
pub fn process_table(results: &[ClientResult], floor: Option<&ClientResult>) -> String {
    let mut text = String::from(
        "| Client | Peak RSS (MiB), 1 process | RSS ÷ floor | Cold start, median (ms) | Cold-start runs |\n\
         |---|--:|--:|--:|--:|\n",
    );
    let floor_rss = floor
        .and_then(|floor| floor.max_rss_kib)
        .map(|kib| kib as f64);
    for result in results {
        let rss = result
            .max_rss_kib
            .map(|kib| format!("{:.1}", kib as f64 / 1024.0))
            .unwrap_or_else(|| "-".to_owned());
        let (cold, runs) = match result.cold_start {
            Some((median, runs)) => (format!("{:.1}", median as f64 / 1e6), runs.to_string()),
            None => ("-".to_owned(), "-".to_owned()),
        };
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} |",
            result.label,
            rss,
            ratio(result.max_rss_kib.map(|kib| kib as f64), floor_rss),
            cold,
            runs
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(median_ns: u64, calls_per_second: f64) -> Summary {
        Summary {
            calls: 10,
            median_ns,
            p95_ns: median_ns * 2,
            calls_per_second,
        }
    }

    fn result(label: &str, median_ns: u64, rate: f64, rss: u64) -> ClientResult {
        ClientResult {
            label: label.into(),
            operations: vec![("get".into(), summary(median_ns, rate))],
            max_rss_kib: Some(rss),
            cold_start: Some((2_500_000, 20)),
            failure: None,
        }
    }

    #[test]
    fn latency_rows_carry_ratios_to_the_floor() {
        let floor = result("floor", 50_000, 20_000.0, 2048);
        let client = result("client", 100_000, 10_000.0, 8192);
        let table = latency_table(&[client.clone(), floor.clone()], Some(&floor));
        assert!(
            table.contains("| client | get | 10 | 100.0 | 200.0 | 10000 | 2.00 | 2.00 | 0.50 |"),
            "{table}"
        );
        assert!(
            table.contains("| floor | get | 10 | 50.0 | 100.0 | 20000 | 1.00 | 1.00 | 1.00 |"),
            "{table}"
        );
        let processes = process_table(&[client], Some(&floor));
        assert!(
            processes.contains("| client | 8.0 | 4.00 | 2.5 | 20 |"),
            "{processes}"
        );
    }

    #[test]
    fn failed_client_shows_its_reason() {
        let failed = ClientResult {
            label: "sdk".into(),
            operations: Vec::new(),
            max_rss_kib: None,
            cold_start: None,
            failure: Some("exit status 1: a|b".into()),
        };
        let table = latency_table(&[failed], None);
        assert!(
            table.contains("not measured: exit status 1: a/b"),
            "{table}"
        );
    }
}
