//! Runs the quickstart example, which `cargo test` builds, as a newcomer would: without any
//! `VISIER_*` variable, so it uses the bundled emulator.

use std::path::PathBuf;
use std::process::Command;

fn quickstart_binary() -> PathBuf {
    let test_binary = std::env::current_exe().unwrap();
    // Test binaries are PROFILE/deps/NAME-HASH; examples are PROFILE/examples/NAME.
    let profile = test_binary.parent().unwrap().parent().unwrap();
    profile.join("examples").join("quickstart")
}

#[test]
fn quickstart_walks_whole_lifecycle() {
    let binary = quickstart_binary();
    assert!(binary.exists(), "{} was not built", binary.display());
    let mut command = Command::new(&binary);
    for variable in visier_webhooks::ENV_VARIABLES {
        command.env_remove(variable);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "started the bundled emulator",
        "generated signing key",
        "created webhook",
        "activated and renamed it",
        "switched its credentials to an access token",
        "sent a test event: receiver answered 200",
        "authorization: valid access token",
        "signature: valid",
        "deleted webhook",
        "done: the webhook went through its whole life",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains(visier_webhooks_emulator::DEFAULT_PASSWORD),
        "no password printed"
    );
    assert!(
        !stdout.contains("quickstart-receiver-token"),
        "no token printed"
    );
}

#[test]
fn quickstart_uses_configured_tenant() {
    // A separate emulator plays the tenant: the quickstart must use it, not its own.
    let tenant = visier_webhooks_emulator::Emulator::start(Default::default()).unwrap();
    let mut command = Command::new(quickstart_binary());
    for variable in visier_webhooks::ENV_VARIABLES {
        command.env_remove(variable);
    }
    command
        .env("VISIER_HOST", tenant.base_url())
        .env("VISIER_APIKEY", visier_webhooks_emulator::DEFAULT_API_KEY)
        .env("VISIER_USERNAME", visier_webhooks_emulator::DEFAULT_USER)
        .env(
            "VISIER_PASSWORD",
            visier_webhooks_emulator::DEFAULT_PASSWORD,
        )
        .env_remove("VISIER_QUICKSTART_TARGET_URL");
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("using the tenant at {}", tenant.base_url())),
        "{stdout}"
    );
    assert!(!stdout.contains("started the bundled emulator"), "{stdout}");
    assert!(
        stdout.contains("receiver answered nothing (not delivered"),
        "{stdout}"
    );
    assert!(
        stdout.contains("done: the webhook went through its whole life"),
        "{stdout}"
    );
    // Every call reached the configured tenant, and it is clean again afterwards.
    assert!(tenant.requests().len() >= 10);
    assert!(tenant.webhooks(None).is_empty());
}
