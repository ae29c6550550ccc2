//! Runs every benchmark client against one emulator and prints a Markdown report.
//!
//! `bench/run.sh` builds what this needs and starts it; run it directly only after that
//! script has built the clients once. Options (all optional):
//!
//! - `--root DIR`: the repository. Default: the current directory.
//! - `--target-dir DIR`: cargo's target directory. Default: `ROOT/target`.
//! - `--calls N`: timed calls per operation and client. Default: 2000.
//! - `--curl-calls N`: the same for the `curl` command, one process per call. Default: 2000.
//! - `--cold-runs N`: runs of each cold-start figure. Default: 20.
//! - `--output FILE`: also write the report there. Default: `TARGET/bench/results.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use visier_webhooks::{Auth, Client, WebhookDetails, WebhookRequest};
use visier_webhooks_bench::report::{self, ClientResult};
use visier_webhooks_bench::runner::{self, ClientCommand, EmulatorProcess};
use visier_webhooks_bench::stats::{self, parse_timings, summarize};
use visier_webhooks_bench::OPERATIONS;
use visier_webhooks_emulator::{
    DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USER,
};

/// Webhooks created in the emulator before any client runs; `list` returns all of them.
const WEBHOOKS: usize = 20;
/// Maximum duration of one client's timed run.
const TIMED_RUN_LIMIT: Duration = Duration::from_secs(300);
/// Maximum duration of one cold-start run.
const COLD_RUN_LIMIT: Duration = Duration::from_secs(30);

struct Options {
    root: PathBuf,
    target_dir: PathBuf,
    calls: usize,
    curl_calls: usize,
    cold_runs: usize,
    output: PathBuf,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut root = PathBuf::from(".");
        let mut target_dir = None;
        let mut calls = 2000;
        let mut curl_calls = 2000;
        let mut cold_runs = 20;
        let mut output = None;
        let mut rest = args.iter();
        while let Some(name) = rest.next() {
            let value = rest
                .next()
                .ok_or_else(|| format!("missing value after {name}"))?;
            let count = || {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("invalid {name} {value:?}: expected a positive integer"))
            };
            match name.as_str() {
                "--root" => root = PathBuf::from(value),
                "--target-dir" => target_dir = Some(PathBuf::from(value)),
                "--calls" => calls = count()?,
                "--curl-calls" => curl_calls = count()?,
                "--cold-runs" => cold_runs = count()?,
                "--output" => output = Some(PathBuf::from(value)),
                _ => return Err(format!("unknown option {name}")),
            }
        }
        let target_dir = target_dir.unwrap_or_else(|| root.join("target"));
        let output = output.unwrap_or_else(|| target_dir.join("bench").join("results.md"));
        Ok(Options {
            root,
            target_dir,
            calls,
            curl_calls,
            cold_runs,
            output,
        })
    }
}

/// One client of the comparison.
struct Spec {
    label: &'static str,
    command: ClientCommand,
    /// Files that must exist for the client to run.
    needs: Vec<PathBuf>,
    calls: usize,
    measure_cold_start: bool,
    /// Variables added to the shared environment for this client alone.
    extra_env: Vec<(String, String)>,
}

fn specs(options: &Options) -> Vec<Spec> {
    let release = options.target_dir.join("release");
    let built = options.target_dir.join("bench");
    let clients = options.root.join("bench").join("clients");
    let python = built.join("venv").join("bin").join("python");
    let binary = |path: PathBuf| ClientCommand {
        program: path,
        leading_args: Vec::new(),
    };
    vec![
        Spec {
            label: "1. this library, Rust",
            command: binary(release.join("bench-library-client")),
            needs: vec![release.join("bench-library-client")],
            calls: options.calls,
            measure_cold_start: true,
            extra_env: Vec::new(),
        },
        Spec {
            label: "2. this library, C through libvisier_webhooks.so",
            command: binary(built.join("library_client")),
            needs: vec![built.join("library_client")],
            calls: options.calls,
            measure_cold_start: true,
            extra_env: Vec::new(),
        },
        Spec {
            label: "3. C with libcurl, one easy handle",
            command: binary(built.join("libcurl_client")),
            needs: vec![built.join("libcurl_client")],
            calls: options.calls,
            measure_cold_start: true,
            extra_env: Vec::new(),
        },
        Spec {
            label: "4. curl command, one process per call",
            command: ClientCommand {
                program: PathBuf::from("bash"),
                leading_args: vec![path_text(&clients.join("curl_client.sh"))],
            },
            needs: vec![clients.join("curl_client.sh")],
            calls: options.curl_calls,
            measure_cold_start: false,
            extra_env: Vec::new(),
        },
        Spec {
            label: "5. Visier Python SDK",
            command: ClientCommand {
                program: python.clone(),
                leading_args: vec![path_text(&clients.join("sdk_client.py"))],
            },
            needs: vec![python, clients.join("sdk_client.py")],
            calls: options.calls,
            measure_cold_start: true,
            // The SDK's security-token request lacks the apikey header that the emulator
            // requires, so the SDK uses its OAuth 2.0 password grant (see sdk_client.py).
            extra_env: vec![
                ("VISIER_CLIENT_ID".to_owned(), DEFAULT_CLIENT_ID.to_owned()),
                (
                    "VISIER_CLIENT_SECRET".to_owned(),
                    DEFAULT_CLIENT_SECRET.to_owned(),
                ),
            ],
        },
        Spec {
            label: "6. raw TcpStream, fixed requests (floor)",
            command: binary(release.join("bench-tcp-client")),
            needs: vec![release.join("bench-tcp-client")],
            calls: options.calls,
            measure_cold_start: true,
            extra_env: Vec::new(),
        },
    ]
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = Options::parse(&args).and_then(|options| run(&options));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-run: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let work = options.target_dir.join("bench").join("run");
    std::fs::create_dir_all(&work)
        .map_err(|error| format!("creating {} failed: {error}", work.display()))?;

    let emulator_path = options
        .target_dir
        .join("release")
        .join("visier-webhooks-emulator");
    let emulator = EmulatorProcess::start(&emulator_path)?;
    eprintln!(
        "emulator {} (process {}) with {WEBHOOKS} webhooks",
        emulator.base_url,
        emulator.id()
    );
    let webhook_id = seed(&emulator.base_url)?;
    let env = vec![
        ("VISIER_HOST".to_owned(), emulator.base_url.clone()),
        ("VISIER_APIKEY".to_owned(), DEFAULT_API_KEY.to_owned()),
        ("VISIER_USERNAME".to_owned(), DEFAULT_USER.to_owned()),
        ("VISIER_PASSWORD".to_owned(), DEFAULT_PASSWORD.to_owned()),
    ];

    let specs = specs(options);
    let mut results = Vec::new();
    let env_of = |spec: &Spec| [env.as_slice(), spec.extra_env.as_slice()].concat();
    for (index, spec) in specs.iter().enumerate() {
        eprintln!("timing {} ({} calls per operation)", spec.label, spec.calls);
        let result = measure_timed(
            spec,
            &webhook_id,
            &env_of(spec),
            &work.join(index.to_string()),
        );
        if let Some(failure) = &result.failure {
            eprintln!("  not measured: {failure}");
        }
        results.push(result);
    }
    for (index, spec) in specs.iter().enumerate() {
        if !spec.measure_cold_start || results[index].failure.is_some() {
            continue;
        }
        eprintln!("cold start of {} ({} runs)", spec.label, options.cold_runs);
        match measure_cold(spec, &webhook_id, &env_of(spec), options.cold_runs, &work) {
            Ok(median) => results[index].cold_start = Some((median, options.cold_runs)),
            Err(failure) => eprintln!("  cold start not measured: {failure}"),
        }
    }
    drop(emulator);

    let report = render(options, &results);
    print!("{report}");
    std::fs::write(&options.output, &report)
        .map_err(|error| format!("writing {} failed: {error}", options.output.display()))?;
    eprintln!("report written to {}", options.output.display());
    Ok(())
}

/// Creates the webhooks with this library and returns the id of the first.
fn seed(base_url: &str) -> Result<String, String> {
    let client = Client::builder()
        .host(base_url)
        .api_key(DEFAULT_API_KEY)
        .auth(Auth::UsernamePassword {
            username: DEFAULT_USER.to_owned(),
            password: DEFAULT_PASSWORD.into(),
        })
        .build()
        .map_err(|error| format!("creating the seeding client failed: {error}"))?;
    let mut first = None;
    for index in 0..WEBHOOKS {
        let details = WebhookDetails::new(
            format!("http://127.0.0.1:9/bench/{index}"),
            ["jobResultSuccess", "dvPublish"],
        )
        .display_name(format!("benchmark webhook {index}"));
        let webhook = client
            .create_webhook(&WebhookRequest::new(details))
            .map_err(|error| format!("creating webhook {index} failed: {error}"))?;
        first.get_or_insert(webhook.webhook_id);
    }
    first.ok_or_else(|| "no webhook was created".to_owned())
}

fn failed(label: &str, failure: String) -> ClientResult {
    ClientResult {
        label: label.to_owned(),
        operations: Vec::new(),
        max_rss_kib: None,
        cold_start: None,
        failure: Some(failure),
    }
}

fn measure_timed(
    spec: &Spec,
    webhook_id: &str,
    env: &[(String, String)],
    prefix: &Path,
) -> ClientResult {
    if let Some(missing) = spec.needs.iter().find(|path| !path.exists()) {
        return failed(
            spec.label,
            format!(
                "{} is missing; see the output of bench/run.sh",
                missing.display()
            ),
        );
    }
    let timings_path = prefix.with_extension("timings");
    let _ = std::fs::remove_file(&timings_path);
    let args = [
        webhook_id.to_owned(),
        spec.calls.to_string(),
        path_text(&timings_path),
    ];
    let finished = match runner::run_client(
        &spec.command,
        &args,
        env,
        &prefix.with_extension("stderr"),
        Some(&prefix.with_extension("rss")),
        TIMED_RUN_LIMIT,
    ) {
        Ok(finished) => finished,
        Err(failure) => return failed(spec.label, failure),
    };
    if !finished.status.success() {
        return failed(
            spec.label,
            format!("{}: {}", finished.status, finished.stderr_tail),
        );
    }
    let timings = std::fs::read_to_string(&timings_path)
        .map_err(|error| format!("reading {} failed: {error}", timings_path.display()))
        .and_then(|text| parse_timings(&text));
    let timings = match timings {
        Ok(timings) => timings,
        Err(failure) => return failed(spec.label, failure),
    };
    let mut operations = Vec::new();
    for operation in OPERATIONS {
        let latencies = timings.get(operation).map(Vec::as_slice).unwrap_or(&[]);
        if latencies.len() != spec.calls {
            return failed(
                spec.label,
                format!(
                    "{} {operation} timings instead of {}",
                    latencies.len(),
                    spec.calls
                ),
            );
        }
        let summary = summarize(latencies).expect("calls is positive");
        operations.push((operation.to_owned(), summary));
    }
    ClientResult {
        label: spec.label.to_owned(),
        operations,
        max_rss_kib: finished.max_rss_kib,
        cold_start: None,
        failure: None,
    }
}

/// Returns the median wall time, in nanoseconds, of `runs` processes that each create a
/// client, get one webhook and exit.
fn measure_cold(
    spec: &Spec,
    webhook_id: &str,
    env: &[(String, String)],
    runs: usize,
    work: &Path,
) -> Result<u64, String> {
    let args = [webhook_id.to_owned(), "cold".to_owned()];
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let finished = runner::run_client(
            &spec.command,
            &args,
            env,
            &work.join("cold.stderr"),
            None,
            COLD_RUN_LIMIT,
        )?;
        if !finished.status.success() {
            return Err(format!("{}: {}", finished.status, finished.stderr_tail));
        }
        times.push(finished.elapsed.as_nanos() as u64);
    }
    times.sort_unstable();
    Ok(stats::percentile(&times, 50.0))
}

/// Returns the size of a stripped copy of `library`, stripped with `strip_args`.
fn stripped_size(library: &Path, strip_args: &[&str], work: &Path) -> Result<u64, String> {
    let name = library
        .file_name()
        .ok_or_else(|| format!("{} has no file name", library.display()))?;
    let copy = work.join(name);
    std::fs::copy(library, &copy)
        .map_err(|error| format!("copying {} failed: {error}", library.display()))?;
    let status = std::process::Command::new("strip")
        .args(strip_args)
        .arg(&copy)
        .status()
        .map_err(|error| format!("running strip failed: {error}"))?;
    if !status.success() {
        return Err(format!("strip {} failed: {status}", copy.display()));
    }
    let size = std::fs::metadata(&copy)
        .map_err(|error| format!("reading the size of {} failed: {error}", copy.display()))?
        .len();
    let _ = std::fs::remove_file(&copy);
    Ok(size)
}

fn render(options: &Options, results: &[ClientResult]) -> String {
    let floor = results
        .iter()
        .find(|result| result.label.contains("(floor)") && result.failure.is_none());
    let cores = runner::first_line_of("nproc", &[]).unwrap_or_else(|| "unknown".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());

    let mut text = String::new();
    text.push_str(&format!(
        "## Per-call latency\n\nMachine: {cores} cores (nproc), CPU {cpu}. Emulator: release \
         build, request logging off, {WEBHOOKS} webhooks, on 127.0.0.1. Each row is one \
         process making the stated number of calls back to back after {} untimed gets. \
         Ratios divide by the floor's figure for the same operation.\n\n",
        visier_webhooks_bench::WARMUP_CALLS
    ));
    text.push_str(&report::latency_table(results, floor));
    text.push_str(
        "\n## Memory and cold start\n\nPeak RSS is that of the timed run's process \
         (`/usr/bin/time -f %M`); for the curl row it is the largest of the shell and any one \
         curl process. A cold start is one process that creates a client, fetches a token, \
         gets one webhook and exits, timed from spawn to exit; the figure is the median of \
         the stated runs.\n\n",
    );
    text.push_str(&report::process_table(results, floor));

    let work = options.target_dir.join("bench").join("run");
    let release = options.target_dir.join("release");
    text.push_str(
        "\n## Library size\n\n| File | Stripped size (KiB) | Stripped with |\n|---|--:|---|\n",
    );
    for (file, strip_args, how) in [
        (
            "libvisier_webhooks.so",
            &["--strip-all"][..],
            "strip --strip-all",
        ),
        (
            "libvisier_webhooks.a",
            &["--strip-debug"][..],
            "strip --strip-debug",
        ),
    ] {
        let size = stripped_size(&release.join(file), strip_args, &work)
            .map(|bytes| format!("{:.0}", bytes as f64 / 1024.0))
            .unwrap_or_else(|error| format!("not measured: {error}"));
        text.push_str(&format!("| {file} (release) | {size} | `{how}` |\n"));
    }

    let python = options
        .target_dir
        .join("bench")
        .join("venv")
        .join("bin")
        .join("python");
    let python = path_text(&python);
    let sdk = runner::first_line_of(
        &python,
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('visier-platform-sdk'))",
        ],
    );
    let urllib3 = runner::first_line_of(
        &python,
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('urllib3'))",
        ],
    );
    let unknown = || "unknown".to_owned();
    text.push_str("\n## Versions\n\n");
    for (name, version) in [
        ("rustc", runner::first_line_of("rustc", &["--version"])),
        ("C compiler", runner::first_line_of("cc", &["--version"])),
        ("curl", runner::first_line_of("curl", &["--version"])),
        (
            "libcurl (headers)",
            runner::first_line_of("curl-config", &["--version"]),
        ),
        ("Python", runner::first_line_of(&python, &["--version"])),
        ("visier-platform-sdk", sdk),
        ("urllib3 (the SDK's HTTP client)", urllib3),
    ] {
        text.push_str(&format!("- {name}: {}\n", version.unwrap_or_else(unknown)));
    }
    text
}
