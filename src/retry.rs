//! When a failed request is sent again, and how long the client waits before it does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Retry settings.
///
/// Requests that are safe to repeat (`GET`, `PUT`, `DELETE`, and the token requests, which
/// create nothing) are retried after a connection failure, a timeout, or a 429, 502, 503 or
/// 504 response. A `POST` that creates something (create, test event, key generation) is
/// retried only when it certainly did not reach the server: a failed connect, or a 429
/// response. The wait before retry `n` (from 1) is
/// `initial_backoff * 2^(n-1)`, capped at `max_backoff`, with up to half of it taken off at
/// random (jitter). A `Retry-After` header (seconds or an HTTP date) replaces that wait when it
/// is at most `max_retry_after`; a longer one ends the retries and returns the error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` turns retries off. Default: 4.
    pub max_attempts: u32,
    /// Wait before the first retry. Default: 250 ms.
    pub initial_backoff: Duration,
    /// Maximum wait between two attempts, `Retry-After` aside. Default: 8 s.
    pub max_backoff: Duration,
    /// Maximum `Retry-After` honoured. Default: 60 s.
    pub max_retry_after: Duration,
    /// Time budget for the attempts and waits of one request: no retry starts after it. A call
    /// that first fetches a token, or repeats after a 401, spends up to this budget on each of
    /// those requests. Default: 120 s.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            max_total: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Returns a policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts in all, the first included.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the wait before the first retry.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// Sets the longest wait between two attempts.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Sets the time budget of one call, retries included.
    pub fn max_total(mut self, budget: Duration) -> Self {
        self.max_total = budget;
        self
    }

    /// Returns the jittered exponential wait before retry number `retry` (from 1).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let jitter_fraction = next_random_fraction() * 0.5;
        full.mul_f64(1.0 - jitter_fraction)
    }
}

/// Returns a pseudo-random number in `[0, 1)`. Jitter only spreads retries of concurrent
/// clients apart, so a non-cryptographic generator is enough.
fn next_random_fraction() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ nanos;
    // splitmix64 finaliser.
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (IMF-fixdate, such as
/// `Sun, 06 Nov 1994 08:49:37 GMT`). A date in the past gives zero.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn parse_http_date(value: &str) -> Option<SystemTime> {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
    let rest = value.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: u64 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|name| name == month)? as u64
        + 1;
    // Four-digit years only, as IMF-fixdate has, so the arithmetic below cannot overflow.
    let year: i64 = year
        .parse()
        .ok()
        .filter(|year| (1970..=9999).contains(year))?;
    let mut clock = time.split(':').map(|part| part.parse::<u64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if clock.next().is_some() || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second.min(60);
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm), `None`
/// before 1970.
fn days_from_civil(year: i64, month: u64, day: u64) -> Option<u64> {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = month as i64;
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    u64::try_from(days).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        assert_eq!(
            parse_retry_after("7", UNIX_EPOCH),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn retry_after_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777 - 30);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn retry_after_past_date_is_zero() {
        let now = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for value in [
            "",
            "soon",
            "-1",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "1.5",
            "Mon, 01 Jan 300000000000 00:00:00 GMT",
            "Mon, 01 Jan 10000 00:00:00 GMT",
            "Mon, 01 Jan -5 00:00:00 GMT",
        ] {
            assert_eq!(parse_retry_after(value, UNIX_EPOCH), None, "{value:?}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first <= Duration::from_millis(100), "{first:?}");
            assert!(first >= Duration::from_millis(50), "{first:?}");
            let third = policy.backoff(3);
            assert!(third <= Duration::from_millis(350), "{third:?}");
            assert!(third >= Duration::from_millis(175), "{third:?}");
        }
    }
}
