//! The committed C header: regenerated and compared, every item documented, no line wider than
//! 79 columns, compiled as C99 and C++11, and its version macros checked against Cargo.toml.

mod c_support;

use std::process::Command;
use std::time::Duration;

use c_support::{build_program, describe, repo_dir, run_with_timeout, scratch_dir};

const HEADER: &str = "include/visier_webhooks.h";

/// Widest line allowed in the header: the project writes C at 79 columns, as libcurl does.
const MAX_COLUMNS: usize = 79;

/// Returns the version macros for the header, computed from the crate version.
fn version_macros() -> String {
    let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    assert!(
        minor < 256 && patch < 256,
        "VW_VERSION_NUM packs minor and patch into 8 bits each"
    );
    let packed = (major << 16) | (minor << 8) | patch;
    format!(
        "\n\
         // Major version of the library this header belongs to.\n\
         #define VW_VERSION_MAJOR {major}\n\
         \n\
         // Minor version of the library this header belongs to.\n\
         #define VW_VERSION_MINOR {minor}\n\
         \n\
         // Patch version of the library this header belongs to.\n\
         #define VW_VERSION_PATCH {patch}\n\
         \n\
         // The version as one number, (MAJOR << 16) | (MINOR << 8) | PATCH.\n\
         #define VW_VERSION_NUM 0x{packed:06x}\n\
         \n\
         // Nonzero when this header's version is at least major.minor.patch.\n\
         #define VW_VERSION_AT_LEAST(major, minor, patch) \\\n  \
         (VW_VERSION_NUM >= (((major) << 16) | ((minor) << 8) | (patch)))"
    )
}

/// Generates the header from src/ffi/ with cbindgen.toml and the version macros.
fn generate_header() -> String {
    let root = repo_dir();
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|error| panic!("cbindgen.toml: {error}"));
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .unwrap_or_else(|error| panic!("cbindgen failed: {error}"));
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);
    String::from_utf8(bytes).expect("cbindgen writes UTF-8")
}

#[test]
fn header_is_up_to_date() {
    let generated = generate_header();
    let path = repo_dir().join(HEADER);
    if std::env::var_os("VW_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(old, new)| old != new)
            .unwrap_or(committed.lines().count().min(generated.lines().count()));
        panic!(
            "{HEADER} differs from the header generated from src/ffi/ (first at line {}); \
             regenerate it with `VW_UPDATE_HEADER=1 cargo test --test header` and commit it",
            first_difference + 1
        );
    }
}

#[test]
fn header_lines_fit_79_columns() {
    let header = std::fs::read_to_string(repo_dir().join(HEADER)).expect("read the header");
    let too_wide: Vec<String> = header
        .lines()
        .enumerate()
        .filter(|(_, line)| line.chars().count() > MAX_COLUMNS)
        .map(|(index, line)| format!("line {}: {} columns", index + 1, line.chars().count()))
        .collect();
    assert!(
        too_wide.is_empty(),
        "{HEADER} has lines wider than {MAX_COLUMNS} columns; rewrap the /// comments in \
         src/ffi/ or the header text in cbindgen.toml: {too_wide:#?}"
    );
}

/// Returns the declarations of the header that need a comment: functions, typedefs, `VW_`
/// macros and enum constants.
fn declarations(header: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    for (index, line) in header.lines().enumerate() {
        let top_level = !line.starts_with(char::is_whitespace);
        let is_declaration = if line.starts_with("#define VW_") || line.starts_with("typedef ") {
            true
        } else if !top_level {
            line.trim_start().starts_with("VW_")
        } else {
            !line.starts_with(['#', '/', '}']) && line.contains("vw_") && line.contains('(')
        };
        if is_declaration {
            found.push((index, line));
        }
    }
    found
}

#[test]
fn every_exported_item_is_documented() {
    let header = generate_header();
    let lines: Vec<&str> = header.lines().collect();
    let declarations = declarations(&header);
    assert!(
        declarations.len() > 40,
        "found only {} declarations; the scan of the header is broken",
        declarations.len()
    );
    let mut undocumented = Vec::new();
    for (index, line) in declarations {
        let previous = lines[..index]
            .iter()
            .rev()
            .find(|line| !line.trim().is_empty())
            .map(|line| line.trim_start())
            .unwrap_or_default();
        if !previous.starts_with("//") {
            undocumented.push(line.trim());
        }
    }
    assert!(
        undocumented.is_empty(),
        "items without a doc comment (add a /// comment in src/ffi/): {undocumented:#?}"
    );
}

#[test]
fn every_function_is_declared() {
    let header = std::fs::read_to_string(repo_dir().join(HEADER)).unwrap();
    for function in [
        "vw_client_new",
        "vw_client_from_env",
        "vw_client_free",
        "vw_list_webhooks",
        "vw_get_webhook",
        "vw_create_webhook",
        "vw_update_webhook",
        "vw_update_credentials",
        "vw_delete_credentials",
        "vw_delete_webhook",
        "vw_send_test_event",
        "vw_list_webhook_statuses",
        "vw_generate_key",
        "vw_list_keys",
        "vw_delete_key",
        "vw_version",
        "vw_result_text",
        "vw_last_error",
        "vw_string_free",
        "vw_set_log_callback",
        "vw_verify_notification",
        "vw_verify_authorization",
    ] {
        let declared =
            header.contains(&format!(" {function}(")) || header.contains(&format!("*{function}("));
        assert!(declared, "{function} is missing");
    }
}

/// Uses every type and a few macros of the header, so that the compilers check them.
const USE_HEADER: &str = r#"#include "visier_webhooks.h"

int use_header(void);

int use_header(void) {
    vw_client *client = 0;
    char *json = 0;
    vw_log_callback callback = 0;
    vw_log_level level = VW_LOG_DEBUG;
    vw_result result = vw_list_webhooks(client, -1, 0, &json);
    (void)callback;
    (void)level;
    vw_string_free(json);
#if VW_VERSION_AT_LEAST(0, 0, 0)
    return result == VW_ERROR_NULL_ARGUMENT ? 0 : 1;
#else
    return 2;
#endif
}
"#;

fn compile_only(compiler: &str, standard: &str, source: &str) {
    let dir = scratch_dir(&format!("header-{compiler}"));
    let source_path = dir.join(source);
    std::fs::write(&source_path, USE_HEADER).unwrap();
    let output = Command::new(compiler)
        .arg(standard)
        .args(c_support::WARNING_FLAGS)
        .arg("-pedantic")
        .arg("-I")
        .arg(repo_dir().join("include"))
        .arg("-c")
        .arg(&source_path)
        .arg("-o")
        .arg(dir.join("use_header.o"))
        .output()
        .expect("run the compiler");
    assert!(
        output.status.success(),
        "{compiler} {standard} rejected the header:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn header_compiles_as_c99() {
    compile_only("cc", "-std=c99", "use_header.c");
}

#[test]
fn header_compiles_as_cpp11() {
    compile_only("c++", "-std=c++11", "use_header.cpp");
}

/// Reads `version = "X.Y.Z"` from the `[package]` table of Cargo.toml.
fn cargo_toml_version() -> (u32, u32, u32) {
    let manifest = std::fs::read_to_string(repo_dir().join("Cargo.toml")).unwrap();
    let package = manifest
        .split("[package]")
        .nth(1)
        .expect("Cargo.toml has a [package] table");
    let line = package
        .lines()
        .find(|line| line.trim_start().starts_with("version"))
        .expect("[package] has a version");
    let version = line.split('"').nth(1).expect("version is a quoted string");
    let parts: Vec<u32> = version
        .split('.')
        .map(|part| part.parse().unwrap())
        .collect();
    assert_eq!(
        parts.len(),
        3,
        "version {version:?} is not MAJOR.MINOR.PATCH"
    );
    (parts[0], parts[1], parts[2])
}

const PRINT_VERSION: &str = r#"#include <stdio.h>
#include "visier_webhooks.h"

int main(void) {
    printf("%d %d %d %ld %s\n", VW_VERSION_MAJOR, VW_VERSION_MINOR, VW_VERSION_PATCH,
           (long)VW_VERSION_NUM, vw_version());
    printf("at_least_same %d\n",
           VW_VERSION_AT_LEAST(VW_VERSION_MAJOR, VW_VERSION_MINOR, VW_VERSION_PATCH));
    printf("at_least_next_patch %d\n",
           VW_VERSION_AT_LEAST(VW_VERSION_MAJOR, VW_VERSION_MINOR, VW_VERSION_PATCH + 1));
    printf("at_least_next_major %d\n", VW_VERSION_AT_LEAST(VW_VERSION_MAJOR + 1, 0, 0));
    return 0;
}
"#;

#[test]
fn version_macros_match_cargo_toml() {
    let (major, minor, patch) = cargo_toml_version();
    let packed = major * 65536 + minor * 256 + patch;

    let dir = scratch_dir("header-version");
    let source = dir.join("version.c");
    std::fs::write(&source, PRINT_VERSION).unwrap();
    let program = build_program("cc", "-std=c99", &[source], &dir.join("version"));
    let output = run_with_timeout(Command::new(&program), Duration::from_secs(20));
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();

    let expected = format!("{major} {minor} {patch} {packed} {major}.{minor}.{patch}");
    assert_eq!(lines[0], expected, "macros, packed number and vw_version()");
    assert_eq!(lines[1], "at_least_same 1");
    assert_eq!(lines[2], "at_least_next_patch 0");
    assert_eq!(lines[3], "at_least_next_major 0");
}
