//! Runs the C test programs of tests/c/ against the emulator: hostile arguments to every
//! function, and eight threads on one client handle.

mod c_support;

use std::process::Command;
use std::time::Duration;

use c_support::{build_program, describe, repo_dir, run_with_timeout, scratch_dir};
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_PASSWORD, DEFAULT_USER,
};

/// Builds `tests/c/NAME.c`, runs it with the emulator's account and returns its output.
fn run_c_test(name: &str, emulator: &Emulator) -> String {
    let dir = scratch_dir(&format!("c-test-{name}"));
    let source = repo_dir().join(format!("tests/c/{name}.c"));
    let program = build_program("cc", "-std=c99", &[source], &dir.join(name));

    let mut command = Command::new(&program);
    command
        .arg(emulator.base_url())
        .arg(DEFAULT_API_KEY)
        .arg(DEFAULT_USER)
        .arg(DEFAULT_PASSWORD);
    let output = run_with_timeout(command, Duration::from_secs(60));
    assert!(output.status.success(), "{name}: {}", describe(&output));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Returns the counts of the final `N passed, M failed` line.
fn final_counts(stdout: &str) -> (u32, u32) {
    let last = stdout.lines().last().unwrap_or_default();
    let numbers: Vec<u32> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2, "no final count line in:\n{stdout}");
    (numbers[0], numbers[1])
}

#[test]
fn hostile_arguments_get_their_codes() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();

    let stdout = run_c_test("hostile", &emulator);

    let (passed, failed) = final_counts(&stdout);
    assert_eq!(failed, 0, "{stdout}");
    assert!(passed >= 200, "only {passed} checks ran:\n{stdout}");
}

#[test]
fn eight_threads_share_one_client() {
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();

    let stdout = run_c_test("threads", &emulator);

    let (passed, failed) = final_counts(&stdout);
    assert_eq!(failed, 0, "{stdout}");
    assert_eq!(passed, 8 * 30 * 2 + 2, "{stdout}");
    let gets = emulator
        .requests()
        .iter()
        .filter(|request| request.method == "GET" && request.target.starts_with("/v1/op/webhooks/"))
        .count();
    assert_eq!(
        gets,
        8 * 30,
        "GET requests of the webhook seen by the emulator"
    );
}
