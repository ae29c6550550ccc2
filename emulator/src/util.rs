//! Small helpers: random ids, percent-decoding, query strings and UTC date arithmetic.

use std::time::{SystemTime, UNIX_EPOCH};

/// Fills `buf` from the operating system's random source.
pub(crate) fn fill_random(buf: &mut [u8]) {
    // Failure means the OS has no usable random source, so no id or key could be made.
    getrandom::fill(buf).expect("the operating system's random source failed");
}

/// Returns a random UUID version 4 in its lowercase hyphenated form.
pub(crate) fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    fill_random(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Returns `len` random bytes as lowercase hex.
pub(crate) fn random_hex(len: usize) -> String {
    let mut b = vec![0u8; len];
    fill_random(&mut b);
    hex(&b)
}

/// Encodes bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s`, and turns `+` into a space when `plus_as_space` is set (form encoding).
///
/// A `%` not followed by two hex digits is kept as it is. Returns `None` when the decoded
/// bytes are not UTF-8.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> Option<String> {
    if !s.bytes().any(|c| c == b'%' || (plus_as_space && c == b'+')) {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Splits a query string or form body into decoded name and value pairs.
///
/// Pairs whose name or value is not UTF-8 after decoding are skipped.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .filter_map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            Some((percent_decode(name, true)?, percent_decode(value, true)?))
        })
        .collect()
}

/// Returns milliseconds since the Unix epoch.
pub(crate) fn epoch_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Returns the number of days from 1970-01-01 to the given proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Returns the (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

const MS_PER_DAY: i64 = 86_400_000;

/// Adds calendar years to an epoch-millisecond instant in UTC; 29 February becomes 28 February.
pub(crate) fn add_years_ms(ms: i64, years: i64) -> i64 {
    let days = ms.div_euclid(MS_PER_DAY);
    let time_of_day = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let new_year = y + years;
    let new_day = d.min(days_in_month(new_year, m));
    days_from_civil(new_year, m, new_day) * MS_PER_DAY + time_of_day
}

fn parse_digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// Parses an ISO-8601 date or date-time into epoch milliseconds.
///
/// Accepts `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM`, `HH:MM:SS` or
/// `HH:MM:SS.fff`, then optionally `Z` or an offset `+HH:MM`, `+HHMM` or `+HH`. A value
/// without an offset is taken as UTC.
pub(crate) fn parse_iso8601_ms(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = parse_digits(&b[0..4])? as i64;
    let month = parse_digits(&b[5..7])?;
    let day = parse_digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * MS_PER_DAY;
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let hour = parse_digits(&rest[1..3])?;
    let minute = parse_digits(&rest[4..6])?;
    rest = &rest[6..];
    let mut second = 0;
    if rest.first() == Some(&b':') {
        second = parse_digits(rest.get(1..3)?)?;
        rest = &rest[3..];
        if matches!(rest.first(), Some(b'.') | Some(b',')) {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let frac = &rest[1..1 + digits];
            let mut millis = 0i64;
            for (i, d) in frac.iter().take(3).enumerate() {
                millis += i64::from(d - b'0') * [100, 10, 1][i];
            }
            ms += millis;
            rest = &rest[1 + digits..];
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    ms += (i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1000;
    match rest {
        [] | [b'Z'] | [b'z'] => Some(ms),
        [sign @ (b'+' | b'-'), offset @ ..] => {
            let (oh, om) = match offset {
                [h1, h2] => (parse_digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (parse_digits(&[*h1, *h2])?, parse_digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            let offset_ms = (i64::from(oh) * 3600 + i64::from(om) * 60) * 1000;
            Some(if *sign == b'+' {
                ms - offset_ms
            } else {
                ms + offset_ms
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_forms() {
        assert_eq!(parse_iso8601_ms("1970-01-01"), Some(0));
        assert_eq!(parse_iso8601_ms("1970-01-02T00:00:00Z"), Some(MS_PER_DAY));
        assert_eq!(parse_iso8601_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse_iso8601_ms("2000-03-01T00:00:00.250Z"),
            Some(951_868_800_250)
        );
        assert_eq!(parse_iso8601_ms("2023-02-29"), None);
        assert_eq!(parse_iso8601_ms("tomorrow"), None);
    }

    #[test]
    fn add_years_leap_day() {
        let leap = parse_iso8601_ms("2024-02-29T12:00:00Z").unwrap();
        let expected = parse_iso8601_ms("2026-02-28T12:00:00Z").unwrap();
        assert_eq!(add_years_ms(leap, 2), expected);
    }

    #[test]
    fn percent_decode_cases() {
        assert_eq!(percent_decode("a%2Fb%23c", false).as_deref(), Some("a/b#c"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("100%", false).as_deref(), Some("100%"));
        assert_eq!(percent_decode("%ff", false), None);
    }

    #[test]
    fn uuid_shape() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }
}
