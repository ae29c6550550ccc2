//! Shell completion scripts: generated for each shell, and the bash script completes
//! subcommands, their options and option values when sourced in bash.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

fn script(shell: &str) -> String {
    let run = run_with(&[], &["completions", shell], None);
    assert_ok(&run);
    assert!(!run.stdout.is_empty(), "empty {shell} script");
    run.stdout
}

/// Sources `script` in bash, completes the last word of `words` as bash does on TAB, and
/// returns the candidates (COMPREPLY).
fn complete_in_bash(script: &str, words: &[&str]) -> Vec<String> {
    let function = script
        .split("complete -F ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the script registers a completion function");
    let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
    let cword = words.len() - 1;
    let current = words[cword];
    let previous = words[cword - 1];
    // A completion function is called with the command name, the current word and the
    // previous word, and reads COMP_WORDS and COMP_CWORD.
    let driver = format!(
        "COMP_WORDS=({})\nCOMP_CWORD={cword}\n{function} visier-webhooks '{current}' \
         '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" ")
    );
    let mut child = Command::new("bash")
        .args(["--norc", "--noprofile", "-s"])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(script.as_bytes()).unwrap();
    stdin.write_all(driver.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bash failed for {words:?}: {stderr}"
    );
    assert!(stderr.is_empty(), "bash reported for {words:?}: {stderr}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_subcommands() {
    let script = script("bash");
    let cases: [(&[&str], &str); 7] = [
        (&["visier-webhooks", "l"], "list"),
        (&["visier-webhooks", "list", "--a"], "--active"),
        (&["visier-webhooks", "keys", "g"], "generate"),
        (
            &["visier-webhooks", "keys", "generate", "--al"],
            "--algorithm",
        ),
        (&["visier-webhooks", "update", "id-1", "--ac"], "--activate"),
        (
            &["visier-webhooks", "set-credentials", "--tok"],
            "--token-env",
        ),
        (&["visier-webhooks", "list", "--format", "t"], "table"),
    ];
    for (words, expected) in cases {
        let candidates = complete_in_bash(&script, words);
        assert!(
            candidates.iter().any(|candidate| candidate == expected),
            "{words:?} offered {candidates:?}, not {expected}"
        );
    }

    let keys = complete_in_bash(&script, &["visier-webhooks", "keys", ""]);
    assert!(
        !keys.iter().any(|candidate| candidate == "set-credentials"),
        "keys offered top-level subcommands: {keys:?}"
    );
}

#[test]
fn zsh_and_fish_scripts_generate() {
    let zsh = script("zsh");
    assert!(zsh.starts_with("#compdef visier-webhooks"), "{zsh}");
    assert!(zsh.contains("--active"), "{zsh}");

    let fish = script("fish");
    assert!(fish.contains("complete -c visier-webhooks"), "{fish}");
    assert!(fish.contains("generate"), "{fish}");
}
