//! Statistics of per-call timings.

use std::collections::BTreeMap;

/// Summary of the timed calls of one operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub calls: usize,
    pub median_ns: u64,
    pub p95_ns: u64,
    /// Calls divided by the sum of their latencies: the rate of one caller making calls back
    /// to back, without the client's own work between calls.
    pub calls_per_second: f64,
}

/// Returns the nearest-rank percentile `percent` (0 < percent <= 100) of sorted values.
pub fn percentile(sorted: &[u64], percent: f64) -> u64 {
    assert!(!sorted.is_empty(), "percentile of no values");
    assert!(
        percent > 0.0 && percent <= 100.0,
        "percentile {percent} out of range"
    );
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Summarizes latencies in nanoseconds; returns `None` for no values.
pub fn summarize(latencies: &[u64]) -> Option<Summary> {
    if latencies.is_empty() {
        return None;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let total: u128 = sorted.iter().map(|&value| u128::from(value)).sum();
    let calls_per_second = if total == 0 {
        f64::INFINITY
    } else {
        sorted.len() as f64 / (total as f64 / 1e9)
    };
    Some(Summary {
        calls: sorted.len(),
        median_ns: percentile(&sorted, 50.0),
        p95_ns: percentile(&sorted, 95.0),
        calls_per_second,
    })
}

/// Parses a timings file: lines `OPERATION NANOSECONDS`, blank lines ignored.
pub fn parse_timings(text: &str) -> Result<BTreeMap<String, Vec<u64>>, String> {
    let mut timings: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line
            .split_once(' ')
            .and_then(|(operation, value)| Some((operation, value.trim().parse::<u64>().ok()?)));
        let Some((operation, value)) = parsed else {
            return Err(format!(
                "invalid timings line {}: {line:?}: expected OPERATION NANOSECONDS",
                index + 1
            ));
        };
        timings.entry(operation.to_owned()).or_default().push(value);
    }
    Ok(timings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_uses_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 50);
        assert_eq!(percentile(&values, 95.0), 95);
        assert_eq!(percentile(&values, 100.0), 100);
        assert_eq!(percentile(&[7], 95.0), 7);
        assert_eq!(percentile(&[1, 2, 3], 50.0), 2);
    }

    #[test]
    fn summarize_sorts_and_computes_rate() {
        let summary = summarize(&[3_000_000, 1_000_000, 2_000_000, 2_000_000]).unwrap();
        assert_eq!(summary.calls, 4);
        assert_eq!(summary.median_ns, 2_000_000);
        assert_eq!(summary.p95_ns, 3_000_000);
        // 4 calls in 8 ms.
        assert!((summary.calls_per_second - 500.0).abs() < 1e-9);
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn parse_timings_rejects_bad_lines() {
        assert!(parse_timings("get 12\nget x\n").is_err());
        assert!(parse_timings("get\n").is_err());
        assert!(parse_timings("get -3\n").is_err());
        assert_eq!(parse_timings("\n\n").unwrap().len(), 0);
    }
}
