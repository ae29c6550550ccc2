//! The C example of the README compiles with warnings as errors and runs against the emulator,
//! so the README cannot go stale.

mod c_support;

use std::time::Duration;

use c_support::{build_program, describe, emulator_environment, run_with_timeout, scratch_dir};
use visier_webhooks_emulator::{Emulator, EmulatorConfig};

/// Returns the first ```c block after the "## C and C++" heading of the README.
fn readme_c_example() -> String {
    let readme = std::fs::read_to_string(c_support::repo_dir().join("README.md")).unwrap();
    let section = readme
        .split_once("## C and C++")
        .expect("the README has a C section")
        .1;
    let block = section
        .split_once("```c\n")
        .expect("the C section has a ```c block")
        .1;
    block.split_once("```").unwrap().0.to_owned()
}

#[test]
fn readme_c_example_runs() {
    let dir = scratch_dir("readme");
    let source = dir.join("readme.c");
    std::fs::write(&source, readme_c_example()).unwrap();
    let program = build_program("cc", "-std=c99", &[source], &dir.join("readme"));

    let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
    let mut command = std::process::Command::new(&program);
    emulator_environment(&mut command, &emulator.base_url());
    let output = run_with_timeout(command, Duration::from_secs(30));
    assert!(output.status.success(), "{}", describe(&output));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, serde_json::json!({"webhooks": []}));

    // Without configuration it prints the error object and fails.
    let mut command = std::process::Command::new(&program);
    emulator_environment(&mut command, &emulator.base_url());
    command.env_remove("VISIER_APIKEY");
    let output = run_with_timeout(command, Duration::from_secs(30));
    assert!(!output.status.success());
    let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "VW_ERROR_INVALID_CONFIG", "{error}");
    assert!(error["message"].as_str().unwrap().contains("VISIER_APIKEY"));
}
