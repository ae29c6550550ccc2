//! Shared parts of the benchmark: the command line every client takes, the timings file it
//! writes, and the statistics the runner computes from it.
//!
//! Every client, whatever its language, follows the same contract:
//!
//! - It reads the emulator's base URL and credentials from `VISIER_HOST`, `VISIER_APIKEY`,
//!   `VISIER_USERNAME` and `VISIER_PASSWORD`, and authenticates with a security token
//!   (`apikey` header plus `Cookie: VisierASIDToken=...`).
//! - `CLIENT WEBHOOK_ID cold` creates a client, gets the webhook once and exits 0.
//! - `CLIENT WEBHOOK_ID CALLS OUTPUT` gets the webhook [`WARMUP_CALLS`] times untimed (the
//!   first of these fetches the token and opens the connection), then times `CALLS` calls of
//!   each operation of [`OPERATIONS`] in that order, on one connection where the client can,
//!   and writes one line `OPERATION NANOSECONDS` per timed call to `OUTPUT`.
//! - Any failed call ends the client with a non-zero exit status and a message on stderr.

pub mod report;
pub mod runner;
pub mod stats;

use std::fmt::Write as _;
use std::path::PathBuf;

/// Untimed gets before the timed calls.
pub const WARMUP_CALLS: usize = 20;

/// Operations timed, in the order every client runs them: get one webhook, list all of them,
/// and replace one webhook with the definition that the warm-up get returned (`PUT`).
pub const OPERATIONS: [&str; 3] = ["get", "list", "put"];

/// The task of one client process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Create a client, make one call and exit.
    Cold { webhook_id: String },
    /// Warm up, then time `calls` calls of each operation and write them to `output`.
    Timed {
        webhook_id: String,
        calls: usize,
        output: PathBuf,
    },
}

impl Mode {
    /// Parses the arguments after the program name.
    pub fn parse(args: &[String]) -> Result<Mode, String> {
        match args {
            [webhook_id, cold] if cold == "cold" => Ok(Mode::Cold {
                webhook_id: webhook_id.clone(),
            }),
            [webhook_id, calls, output] => {
                let calls = calls
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| {
                        format!("invalid CALLS {calls:?}: expected a positive integer")
                    })?;
                Ok(Mode::Timed {
                    webhook_id: webhook_id.clone(),
                    calls,
                    output: PathBuf::from(output),
                })
            }
            _ => Err("usage: CLIENT WEBHOOK_ID cold | CLIENT WEBHOOK_ID CALLS OUTPUT".to_owned()),
        }
    }

    /// Parses the process's own arguments.
    pub fn from_env() -> Result<Mode, String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Mode::parse(&args)
    }

    /// Returns the webhook id that every call uses.
    pub fn webhook_id(&self) -> &str {
        match self {
            Mode::Cold { webhook_id } | Mode::Timed { webhook_id, .. } => webhook_id,
        }
    }
}

/// Formats timings as the lines of a timings file.
pub fn format_timings(timings: &[(&str, Vec<u64>)]) -> String {
    let mut text = String::new();
    for (operation, nanoseconds) in timings {
        for value in nanoseconds {
            let _ = writeln!(text, "{operation} {value}");
        }
    }
    text
}

/// Reads a required environment variable, naming it when it is missing.
pub fn required_env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| format!("missing environment variable {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn mode_parses_cold_and_timed() {
        assert_eq!(
            Mode::parse(&strings(&["id-1", "cold"])),
            Ok(Mode::Cold {
                webhook_id: "id-1".into()
            })
        );
        assert_eq!(
            Mode::parse(&strings(&["id-1", "2000", "/tmp/out"])),
            Ok(Mode::Timed {
                webhook_id: "id-1".into(),
                calls: 2000,
                output: PathBuf::from("/tmp/out"),
            })
        );
    }

    #[test]
    fn mode_rejects_bad_arguments() {
        assert!(Mode::parse(&strings(&["id-1", "0", "/tmp/out"])).is_err());
        assert!(Mode::parse(&strings(&["id-1", "many", "/tmp/out"])).is_err());
        assert!(Mode::parse(&strings(&["id-1"])).is_err());
        assert!(Mode::parse(&strings(&["id-1", "warm"])).is_err());
    }

    #[test]
    fn timings_round_trip_through_the_file_format() {
        let text = format_timings(&[("get", vec![5, 7]), ("list", vec![9])]);
        assert_eq!(text, "get 5\nget 7\nlist 9\n");
        let parsed = stats::parse_timings(&text).unwrap();
        assert_eq!(parsed["get"], vec![5, 7]);
        assert_eq!(parsed["list"], vec![9]);
    }
}
