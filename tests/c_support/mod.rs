//! Helpers of the tests that build and run C programs against the cdylib: locating the
//! library, compiling with `cc`, running with a time limit, and starting the emulator.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Warnings are errors in every C and C++ build of the tests.
pub const WARNING_FLAGS: [&str; 3] = ["-Wall", "-Wextra", "-Werror"];

/// Returns the root of the repository.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the cargo profile directory of this test binary, such as `target/debug`.
pub fn profile_dir() -> PathBuf {
    deps_dir()
        .parent()
        .expect("test binary inside PROFILE/deps")
        .to_path_buf()
}

/// Returns the `deps` directory of the profile, which contains this test binary and the
/// shared library `libvisier_webhooks.so`. Before it runs integration tests, `cargo test`
/// builds the library with every crate type of Cargo.toml into `deps/`. Unlike `cargo build`,
/// it does not link the library into the profile directory, so a file there may be missing
/// or older than the test.
pub fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test binary");
    // The binary is PROFILE/deps/NAME-HASH.
    exe.parent()
        .expect("test binary inside PROFILE/deps")
        .to_path_buf()
}

/// Numbers the temporary links of [`library_dir`], unique within this process.
static NEXT_LINK: AtomicUsize = AtomicUsize::new(0);

/// Returns a directory that contains the shared library under its file name and under its SONAME
/// `libvisier_webhooks.so.0`, which programs linked against it load at run time. Cargo writes
/// only the first name, so the directory contains symbolic links to the file in `deps/`.
pub fn library_dir() -> PathBuf {
    let library = deps_dir().join("libvisier_webhooks.so");
    assert!(
        library.exists(),
        "{} is missing; build it with `cargo test --no-run` or `cargo build --lib`",
        library.display()
    );
    let dir = profile_dir().join("c-tests").join("lib");
    std::fs::create_dir_all(&dir).expect("create the library directory");
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    for name in [
        "libvisier_webhooks.so".to_owned(),
        format!("libvisier_webhooks.so.{major}"),
    ] {
        // Tests run in parallel, so each link is made under a unique name and renamed into
        // place, which replaces an existing link atomically.
        let unique = NEXT_LINK.fetch_add(1, Ordering::Relaxed);
        let temporary = dir.join(format!("{name}.{}.{unique}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        std::os::unix::fs::symlink(&library, &temporary).expect("create a library link");
        std::fs::rename(&temporary, dir.join(&name)).expect("rename the library link");
    }
    dir
}

/// Returns an empty scratch directory for one test under the profile directory, never in the
/// source tree.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = profile_dir().join("c-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Compiles and links C or C++ `sources` against the shared library with warnings as errors.
/// `compiler` is `cc` or `c++`; `standard` is such as `-std=c99`.
pub fn build_program(
    compiler: &str,
    standard: &str,
    sources: &[PathBuf],
    output: &Path,
) -> PathBuf {
    let library = library_dir();
    let mut command = Command::new(compiler);
    command
        .arg(standard)
        .args(WARNING_FLAGS)
        .arg("-g")
        .arg("-I")
        .arg(repo_dir().join("include"))
        .args(sources)
        .arg("-o")
        .arg(output)
        .arg("-L")
        .arg(&library)
        .arg("-lvisier_webhooks")
        .arg(format!("-Wl,-rpath,{}", library.display()))
        .arg("-lpthread");
    let result = command.output().expect("run the C compiler");
    assert!(
        result.status.success(),
        "{compiler} failed on {sources:?}:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    output.to_path_buf()
}

/// Runs `command` with a time limit, killing it when the limit passes.
pub fn run_with_timeout(command: Command, limit: Duration) -> Output {
    run(command, None, limit)
}

/// Runs `command` with `input` on its standard input and a time limit, killing it when the
/// limit passes.
pub fn run_with_input(command: Command, input: &[u8], limit: Duration) -> Output {
    run(command, Some(input.to_vec()), limit)
}

fn run(mut command: Command, input: Option<Vec<u8>>, limit: Duration) -> Output {
    let stdin = if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start the program");
    if let Some(input) = input {
        let mut pipe = child.stdin.take().expect("piped stdin");
        // A thread writes, so a program that stops reading early cannot block the test. The
        // pipe closes when the thread ends, which gives the program end of file.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let stdout = drain(&mut child, true);
    let stderr = drain(&mut child, false);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the program") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} did not finish within {limit:?}; stdout so far:\n{}",
                String::from_utf8_lossy(&stdout.join().unwrap_or_default())
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn drain(child: &mut Child, stdout: bool) -> thread::JoinHandle<Vec<u8>> {
    let mut reader: Box<dyn Read + Send> = if stdout {
        Box::new(child.stdout.take().expect("piped stdout"))
    } else {
        Box::new(child.stderr.take().expect("piped stderr"))
    };
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = reader.read_to_end(&mut bytes);
        bytes
    })
}

/// Sets the `VISIER_*` variables of the emulator's default account on `command`, removing
/// any other `VISIER_*` variable inherited from the test's environment.
pub fn emulator_environment(command: &mut Command, base_url: &str) {
    for variable in visier_webhooks::ENV_VARIABLES {
        command.env_remove(variable);
    }
    command
        .env("VISIER_HOST", base_url)
        .env("VISIER_APIKEY", visier_webhooks_emulator::DEFAULT_API_KEY)
        .env("VISIER_USERNAME", visier_webhooks_emulator::DEFAULT_USER)
        .env(
            "VISIER_PASSWORD",
            visier_webhooks_emulator::DEFAULT_PASSWORD,
        );
}

/// Returns `true` when `valgrind` runs.
pub fn valgrind_available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Formats a program's output for an assertion message.
pub fn describe(output: &Output) -> String {
    format!(
        "exit status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
