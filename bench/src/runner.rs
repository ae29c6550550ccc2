//! Processes of a benchmark run: the emulator, and the clients with a time limit, their
//! wall time and their peak resident set size.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Maximum wait for the emulator's `listening on` line.
const EMULATOR_START_LIMIT: Duration = Duration::from_secs(30);

/// The emulator binary, running with request logging off until dropped.
pub struct EmulatorProcess {
    child: Child,
    /// Kept open so that the emulator never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl EmulatorProcess {
    /// Starts `program --listen 127.0.0.1:0 --quiet` and waits for its `listening on` line.
    pub fn start(program: &Path) -> Result<EmulatorProcess, String> {
        let mut child = Command::new(program)
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("starting {} failed: {error}", program.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        // The emulator prints a few lines and then the address. A thread reads them, so the
        // wait is bounded even if the emulator hangs before printing.
        let (sender, receiver) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = sender.send(Err(reader));
                        return;
                    }
                    Ok(_) => {
                        if let Some(url) = line.trim().strip_prefix("listening on ") {
                            let _ = sender.send(Ok((url.to_owned(), reader)));
                            return;
                        }
                    }
                }
            }
        });
        match receiver.recv_timeout(EMULATOR_START_LIMIT) {
            Ok(Ok((base_url, reader))) => Ok(EmulatorProcess {
                child,
                _stdout: reader,
                base_url,
            }),
            other => {
                let _ = child.kill();
                let _ = child.wait();
                Err(match other {
                    Ok(Err(_)) => "the emulator exited before printing its address".to_owned(),
                    _ => format!(
                        "the emulator printed no address within {} s",
                        EMULATOR_START_LIMIT.as_secs()
                    ),
                })
            }
        }
    }

    /// Returns the emulator's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A program and the arguments that come before the client's own arguments, such as
/// `bash script.sh` or `python client.py`.
#[derive(Debug, Clone)]
pub struct ClientCommand {
    pub program: PathBuf,
    pub leading_args: Vec<String>,
}

/// Outcome of one client process.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    /// From spawn to exit.
    pub elapsed: Duration,
    /// Peak resident set size in KiB, when measured with `/usr/bin/time`.
    pub max_rss_kib: Option<u64>,
    /// The end of the process's standard error, for failure reports.
    pub stderr_tail: String,
}

/// Runs a client to completion within `limit`, its standard error going to `stderr_path`.
///
/// With `rss_path`, the client runs under `/usr/bin/time -f %M`, which writes its peak
/// resident set size there. The wall time then includes `time`'s own start, so cold-start runs
/// pass `None`. A client still running at `limit` is killed with its whole process group.
pub fn run_client(
    command: &ClientCommand,
    args: &[String],
    env: &[(String, String)],
    stderr_path: &Path,
    rss_path: Option<&Path>,
    limit: Duration,
) -> Result<Finished, String> {
    let mut process = match rss_path {
        Some(rss_path) => {
            let mut process = Command::new("/usr/bin/time");
            process
                .args(["-f", "%M", "-o"])
                .arg(rss_path)
                .arg(&command.program);
            process
        }
        None => Command::new(&command.program),
    };
    let stderr = File::create(stderr_path)
        .map_err(|error| format!("creating {} failed: {error}", stderr_path.display()))?;
    // Only the variables in `env` configure the client, whatever the caller's environment.
    for name in visier_webhooks::ENV_VARIABLES {
        process.env_remove(name);
    }
    process
        .args(&command.leading_args)
        .args(args)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .process_group(0);

    let started = Instant::now();
    let mut child = process
        .spawn()
        .map_err(|error| format!("starting {} failed: {error}", command.program.display()))?;
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|error| format!("waiting for {} failed: {error}", command.program.display()))?
        {
            break status;
        }
        if started.elapsed() > limit {
            kill_group(child.id());
            let _ = child.wait();
            return Err(format!(
                "{} did not finish within {} s and was killed",
                command.program.display(),
                limit.as_secs()
            ));
        }
        thread::sleep(poll_interval(started.elapsed()));
    };
    let elapsed = started.elapsed();

    let max_rss_kib = match rss_path {
        Some(path) => std::fs::read_to_string(path)
            .ok()
            .and_then(|text| last_number(&text)),
        None => None,
    };
    let stderr_text = std::fs::read_to_string(stderr_path).unwrap_or_default();
    Ok(Finished {
        status,
        elapsed,
        max_rss_kib,
        stderr_tail: tail(&stderr_text, 600),
    })
}

/// Polls often at first, so that a cold start of a few milliseconds is timed to within about
/// 0.1 ms, and less often for long runs.
fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_secs(2) {
        Duration::from_micros(100)
    } else {
        Duration::from_millis(20)
    }
}

/// Kills the process group `id` that [`run_client`] created.
fn kill_group(id: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{id}")])
        .status();
}

/// Returns the last line of `/usr/bin/time -f %M` output that is a number: when the client
/// fails, `time` writes a "Command exited with non-zero status" line first.
fn last_number(text: &str) -> Option<u64> {
    text.lines()
        .rev()
        .find_map(|line| line.trim().parse::<u64>().ok())
}

/// Returns at most the last `max` bytes of `text`, starting at a character boundary.
pub fn tail(text: &str, max: usize) -> String {
    let text = text.trim_end();
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

/// Runs a command and returns the first line of its standard output, or of its standard error
/// when the output is empty (some tools print their version there).
pub fn first_line_of(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = if output.stdout.is_empty() {
        output.stderr
    } else {
        output.stdout
    };
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .map(|line| line.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_parse_skips_exit_status_line() {
        assert_eq!(
            last_number("Command exited with non-zero status 1\n5120\n"),
            Some(5120)
        );
        assert_eq!(last_number("3072\n"), Some(3072));
        assert_eq!(last_number(""), None);
    }

    #[test]
    fn tail_keeps_character_boundaries() {
        assert_eq!(tail("abcdef\n", 3), "def");
        assert_eq!(tail("é", 1), "");
        assert_eq!(tail("short", 100), "short");
    }

    #[test]
    fn run_client_reports_status_rss_and_stderr() {
        let directory = std::env::temp_dir().join(format!("bench-runner-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let command = ClientCommand {
            program: PathBuf::from("sh"),
            leading_args: vec!["-c".into()],
        };
        let rss_path = directory.join("rss");
        let finished = run_client(
            &command,
            &["echo failing >&2; exit 3".into()],
            &[],
            &directory.join("stderr"),
            Some(&rss_path),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(finished.status.code(), Some(3));
        assert_eq!(finished.stderr_tail, "failing");
        assert!(finished.max_rss_kib.is_some_and(|kib| kib > 0));

        let limited = run_client(
            &command,
            &["sleep 5".into()],
            &[],
            &directory.join("stderr"),
            None,
            Duration::from_millis(200),
        );
        assert!(limited.unwrap_err().contains("was killed"));
        let _ = std::fs::remove_dir_all(&directory);
    }
}
