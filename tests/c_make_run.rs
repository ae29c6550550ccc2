//! `cargo build && make -C examples-c run`, as the README shows it, builds the examples, starts
//! the emulator, runs them and stops it.

mod c_support;

use std::process::Command;
use std::time::Duration;

use c_support::{describe, repo_dir, run_with_timeout, scratch_dir};

#[test]
fn make_run_builds_and_runs_examples() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(&cargo);
    build.current_dir(repo_dir()).args(["build", "--lib"]);
    let built = run_with_timeout(build, Duration::from_secs(600));
    assert!(built.status.success(), "{}", describe(&built));

    let output_dir = scratch_dir("make-run");
    let mut make = Command::new("make");
    make.current_dir(repo_dir())
        .args(["-C", "examples-c", "run"])
        .arg(format!("BUILD={}", output_dir.display()))
        .arg(format!("CARGO={cargo}"));
    for variable in visier_webhooks::ENV_VARIABLES {
        make.env_remove(variable);
    }
    let output = run_with_timeout(make, Duration::from_secs(600));
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "created webhook",
        "\"statusCode\":200",
        "deleted webhook",
        "get after delete: not found, as expected",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
}
