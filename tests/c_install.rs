//! `make install` into a temporary prefix, programs linked with `pkg-config` dynamically and
//! statically, and the exported symbols and SONAME of the installed shared library.

mod c_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use c_support::{describe, profile_dir, repo_dir, run_with_timeout, scratch_dir};

const PROGRAM: &str = r#"#include <stdio.h>
#include <visier_webhooks.h>

int main(void) {
    vw_client *client = NULL;
    vw_result result = vw_client_new("{\"hots\": 1}", &client);
    printf("%s %d\n", vw_version(), (int)result);
    vw_client_free(client);
    return 0;
}
"#;

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let output = Command::new("pkg-config")
        .args(args)
        .arg("visier-webhooks")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("run pkg-config");
    assert!(
        output.status.success(),
        "pkg-config {args:?}: {}",
        describe(&output)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn compile(source: &Path, output: &Path, flags: &[String]) {
    let result = Command::new("cc")
        .arg("-std=c99")
        .args(c_support::WARNING_FLAGS)
        .arg(source)
        .arg("-o")
        .arg(output)
        .args(flags)
        .output()
        .expect("run cc");
    assert!(
        result.status.success(),
        "cc {flags:?}: {}",
        describe(&result)
    );
}

fn run_program(program: &Path) -> String {
    let output = run_with_timeout(Command::new(program), Duration::from_secs(20));
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn make_install_works_with_pkg_config() {
    let dir = scratch_dir("install");
    let prefix = dir.join("prefix");
    let target_dir = profile_dir().parent().unwrap().to_path_buf();

    // PROFILE=debug reuses the library that cargo built for the tests.
    let mut make = Command::new("make");
    make.current_dir(repo_dir())
        .arg("install")
        .arg(format!("PREFIX={}", prefix.display()))
        .arg("PROFILE=debug")
        .arg(format!("CARGO_TARGET_DIR={}", target_dir.display()));
    let output = run_with_timeout(make, Duration::from_secs(300));
    assert!(
        output.status.success(),
        "make install: {}",
        describe(&output)
    );

    let version = env!("CARGO_PKG_VERSION");
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let lib = prefix.join("lib");
    for name in [
        format!("libvisier_webhooks.so.{version}"),
        format!("libvisier_webhooks.so.{major}"),
        "libvisier_webhooks.so".to_owned(),
        "libvisier_webhooks.a".to_owned(),
    ] {
        assert!(lib.join(&name).exists(), "{name} was not installed");
    }
    assert!(prefix.join("include/visier_webhooks.h").is_file());
    let modversion = pkg_config(&prefix, &["--modversion"]);
    assert_eq!(modversion, [version]);

    let source = dir.join("program.c");
    std::fs::write(&source, PROGRAM).unwrap();

    // Dynamic linking, through the SONAME link.
    let mut flags = pkg_config(&prefix, &["--cflags", "--libs"]);
    flags.push(format!("-Wl,-rpath,{}", lib.display()));
    let dynamic = dir.join("program-dynamic");
    compile(&source, &dynamic, &flags);
    assert_eq!(run_program(&dynamic), format!("{version} 5\n"));

    // Static linking needs the system libraries of Libs.private.
    let static_library = lib.join("libvisier_webhooks.a").display().to_string();
    let flags: Vec<String> = pkg_config(&prefix, &["--cflags", "--static", "--libs"])
        .into_iter()
        .map(|flag| {
            if flag == "-lvisier_webhooks" {
                static_library.clone()
            } else {
                flag
            }
        })
        .collect();
    let linked_statically = dir.join("program-static");
    compile(&source, &linked_statically, &flags);
    assert_eq!(run_program(&linked_statically), format!("{version} 5\n"));

    let installed = lib.join(format!("libvisier_webhooks.so.{version}"));
    check_exported_symbols(&installed);
    check_soname(&installed);
}

/// Checks the installed shared library. The checks read the installed copy, because the
/// nested cargo build of `make install` rewrites the one in the target directory.
fn check_exported_symbols(library: &Path) {
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(library)
        .output()
        .expect("run nm");
    assert!(output.status.success(), "nm: {}", describe(&output));
    let listing = String::from_utf8(output.stdout).unwrap();
    let symbols: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .collect();
    assert!(symbols.contains(&"vw_client_new"), "{listing}");
    let foreign: Vec<&&str> = symbols
        .iter()
        .filter(|symbol| !symbol.starts_with("vw_"))
        .collect();
    assert!(
        foreign.is_empty(),
        "symbols without the vw_ prefix: {foreign:?}"
    );
}

fn check_soname(library: &Path) {
    let output = Command::new("readelf")
        .arg("-d")
        .arg(library)
        .output()
        .expect("run readelf");
    assert!(output.status.success(), "readelf: {}", describe(&output));
    let dynamic = String::from_utf8(output.stdout).unwrap();
    let expected = format!(
        "Library soname: [libvisier_webhooks.so.{}]",
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert!(dynamic.contains(&expected), "{dynamic}");
}
