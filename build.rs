//! Gives the Linux shared library the SONAME `libvisier_webhooks.so.MAJOR`, so that programs
//! linked against it load a compatible version.

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major =
            env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvisier_webhooks.so.{major}");
    }
}
