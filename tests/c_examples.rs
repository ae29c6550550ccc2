//! Builds the C and C++ examples with warnings as errors and runs them against the emulator,
//! directly and under valgrind.

mod c_support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use c_support::{
    build_program, describe, emulator_environment, repo_dir, run_with_timeout, scratch_dir,
    valgrind_available,
};
use visier_webhooks_emulator::{Emulator, EmulatorConfig};

/// Exit status valgrind uses when it finds an error, or a definite or possible leak.
const VALGRIND_ERROR_EXIT: i32 = 97;

/// Builds the C example into the scratch directory `scratch`, one per test, because tests run
/// in parallel.
fn build_lifecycle(scratch: &str) -> PathBuf {
    let dir = scratch_dir(scratch);
    let source = repo_dir().join("examples-c/lifecycle.c");
    build_program("cc", "-std=c99", &[source], &dir.join("lifecycle"))
}

/// Builds the C++ example into the scratch directory `scratch`.
fn build_raii(scratch: &str) -> PathBuf {
    let dir = scratch_dir(scratch);
    let source = repo_dir().join("examples-c/raii.cpp");
    build_program("c++", "-std=c++11", &[source], &dir.join("raii"))
}

fn run_example(program: &PathBuf, emulator: &Emulator, under_valgrind: bool) -> String {
    let mut command = if under_valgrind {
        let mut command = Command::new("valgrind");
        command
            .arg("--leak-check=full")
            .arg("--errors-for-leak-kinds=definite,possible")
            .arg(format!("--error-exitcode={VALGRIND_ERROR_EXIT}"))
            .arg(program);
        command
    } else {
        Command::new(program)
    };
    emulator_environment(&mut command, &emulator.base_url());
    let output = run_with_timeout(command, Duration::from_secs(120));
    assert!(
        output.status.success(),
        "{program:?}: {}",
        describe(&output)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn lifecycle_runs_every_step() {
    let program = build_lifecycle("examples-lifecycle");
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();

    let stdout = run_example(&program, &emulator, false);

    for step in [
        "client created",
        "generated key lifecycle-key-",
        "created webhook ",
        "listed 1 webhook(s)",
        "got webhook: ",
        "updated webhook: ",
        "switched credentials to an access token",
        "sent test event: ",
        "receiver got: POST /hook",
        "deleted credentials",
        "deleted webhook ",
        "deleted key lifecycle-key-",
    ] {
        assert!(stdout.contains(step), "missing step {step:?} in:\n{stdout}");
    }
    let updated = stdout
        .lines()
        .find(|line| line.starts_with("updated webhook: "))
        .unwrap();
    assert!(updated.contains("\"isActive\":true"), "{updated}");
    assert!(updated.contains("C lifecycle example, active"), "{updated}");
    let test_event = stdout
        .lines()
        .find(|line| line.starts_with("sent test event: "))
        .unwrap();
    assert!(test_event.contains("\"statusCode\":200"), "{test_event}");
    assert!(
        !stdout.contains("receiver-password"),
        "a credential was printed:\n{stdout}"
    );

    assert!(
        emulator.webhooks(None).is_empty(),
        "the example left webhooks behind"
    );
}

#[test]
fn raii_example_runs() {
    let program = build_raii("examples-raii");
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();

    let stdout = run_example(&program, &emulator, false);

    assert!(stdout.contains("created webhook "), "{stdout}");
    assert!(stdout.contains("statuses: {\"webhooks\":["), "{stdout}");
    assert!(
        stdout.contains("get after delete: not found, as expected"),
        "{stdout}"
    );
    assert!(emulator.webhooks(None).is_empty());
}

#[test]
fn examples_are_clean_under_valgrind() {
    if !valgrind_available() {
        eprintln!(
            "SKIPPED: valgrind is not installed; install it to check the examples for memory \
             errors and leaks"
        );
        return;
    }
    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    for program in [
        build_lifecycle("examples-valgrind-lifecycle"),
        build_raii("examples-valgrind-raii"),
    ] {
        let stdout = run_example(&program, &emulator, true);
        assert!(stdout.contains("deleted webhook "), "{program:?}: {stdout}");
    }
}
