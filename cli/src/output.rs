//! Writing responses to stdout: JSON as received or indented, and tables for a person.

use std::io::{self, IsTerminal, Write};

use serde_json::Value;

use crate::args::{Format, GlobalOptions};
use crate::failure::{one_line, Failure, Kind};

/// Output settings, from the global options and whether stdout is a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub pretty: bool,
    /// Whether `--format json` was given, which also switches errors on stderr to JSON.
    pub json_errors: bool,
}

impl Output {
    pub fn new(options: &GlobalOptions) -> Output {
        let format = options.format.unwrap_or(if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        });
        Output {
            format,
            pretty: options.pretty,
            json_errors: options.format == Some(Format::Json),
        }
    }

    pub fn wants_table(&self) -> bool {
        self.format == Format::Table
    }

    /// Writes a JSON response: byte for byte as received, or indented with `--pretty`, and a
    /// final newline.
    pub fn json(&self, body: &[u8]) -> Result<(), Failure> {
        if !self.pretty {
            self.bytes(body)?;
            return if body.ends_with(b"\n") {
                Ok(())
            } else {
                self.bytes(b"\n")
            };
        }
        let text = reindent(body).ok_or_else(|| {
            Failure::invalid_response(format!(
                "invalid response: the {}-byte response body is not JSON",
                body.len()
            ))
        })?;
        self.text(&text)
    }

    /// Writes text to stdout, adding a final newline when missing.
    pub fn text(&self, text: &str) -> Result<(), Failure> {
        let mut stdout = io::stdout().lock();
        let mut result = stdout.write_all(text.as_bytes());
        if result.is_ok() && !text.ends_with('\n') {
            result = stdout.write_all(b"\n");
        }
        result.and_then(|()| stdout.flush()).map_err(|error| {
            Failure::new(Kind::Other, format!("writing to stdout failed: {error}"))
        })
    }

    /// Writes raw bytes to stdout unchanged.
    pub fn bytes(&self, bytes: &[u8]) -> Result<(), Failure> {
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|error| {
                Failure::new(Kind::Other, format!("writing to stdout failed: {error}"))
            })
    }
}

/// Indents JSON by two spaces a level, keeping the order of members and the exact text of
/// every string and number. Returns `None` when `body` is not valid JSON.
pub fn reindent(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Value>(body).ok()?;
    let text = std::str::from_utf8(body).ok()?;
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|next| next.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|&next| next == '}' || next == ']') {
                    out.push(chars.next().unwrap_or(c));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    Some(out)
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Renders rows as aligned columns under a header line. Control characters in cells are
/// replaced, so server data cannot move the cursor or change colours.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let clean: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| one_line(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &clean {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header_row).chain(&clean) {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                let padding = width - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(padding + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Returns a member as display text: strings as they are, `-` when missing or null, other
/// values as JSON.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(text)) if text.is_empty() => "-".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(true)) => "yes".to_owned(),
        Some(Value::Bool(false)) => "no".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// Returns the `eventType` of each entry of an `events` array, comma-separated.
pub fn event_types(events: Option<&Value>) -> String {
    let types: Vec<String> = events
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|event| cell(event.get("eventType")))
        .collect();
    if types.is_empty() {
        "-".to_owned()
    } else {
        types.join(",")
    }
}

/// Formats milliseconds since the Unix epoch, given as a string, as an ISO-8601 UTC time.
/// Any other text is returned unchanged.
pub fn epoch_millis_text(value: Option<&Value>) -> String {
    let text = cell(value);
    let Ok(millis) = text.parse::<i64>() else {
        return text;
    };
    let seconds = millis.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard
/// Hinnant's `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reindent_keeps_order_and_number_text() {
        let body = br#"{"z":1.50,"a":[],"b":{"s":"x,\"y\":{"},"n":[1,{}]}"#;
        let expected = "{\n  \"z\": 1.50,\n  \"a\": [],\n  \"b\": {\n    \"s\": \"x,\\\"y\\\":{\"\n  },\n  \"n\": [\n    1,\n    {}\n  ]\n}";
        assert_eq!(reindent(body).as_deref(), Some(expected));
    }

    #[test]
    fn reindent_rejects_invalid_json() {
        assert_eq!(reindent(b"{\"a\":"), None);
        assert_eq!(reindent(b"not json"), None);
    }

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["long-id".to_owned(), "yes".to_owned()],
            vec!["x".to_owned(), "no\x1b".to_owned()],
        ];
        let text = table(&["ID", "ACTIVE"], &rows);
        assert_eq!(text, "ID       ACTIVE\nlong-id  yes\nx        no\n");
    }

    #[test]
    fn epoch_millis_are_iso_dates() {
        let cases = [
            ("0", "1970-01-01T00:00:00Z"),
            ("951782400000", "2000-02-29T00:00:00Z"),
            ("1735689599999", "2024-12-31T23:59:59Z"),
            ("soon", "soon"),
        ];
        for (millis, expected) in cases {
            let value = Value::String(millis.to_owned());
            assert_eq!(epoch_millis_text(Some(&value)), expected, "{millis}");
        }
    }
}
