//! The C API: an opaque client handle, JSON strings in and out, and result codes.
//!
//! Every exported name starts with `vw_`. Every function that can fail returns a
//! [`vw_result`]; on failure, the `json_out` argument receives an error object and the same
//! object is kept as the calling thread's last error. Panics never cross the boundary: they
//! become `VW_ERROR_INTERNAL`. `include/visier_webhooks.h` is generated from this module by
//! cbindgen, so the documentation of each item is written for C callers.

#![allow(non_camel_case_types)]
// The exports are safe Rust functions that C calls: C cannot see Rust's `unsafe`, and each
// function's documentation states the contract of its pointers. Every dereference sits in an
// `unsafe` block with its own SAFETY comment.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
mod client;
mod logging;
mod notification;
mod operations;
mod result;

use std::ffi::{c_char, CString};

pub use self::client::{vw_client, vw_client_free, vw_client_from_env, vw_client_new};
pub use self::logging::{
    vw_log_callback, vw_log_level, vw_set_log_callback, VW_LOG_DEBUG, VW_LOG_ERROR, VW_LOG_INFO,
    VW_LOG_OFF, VW_LOG_TRACE, VW_LOG_WARN,
};
pub use self::notification::vw_verify_authorization;
#[cfg(feature = "verify")]
pub use self::notification::vw_verify_notification;
pub use self::operations::{
    vw_create_webhook, vw_delete_credentials, vw_delete_key, vw_delete_webhook, vw_generate_key,
    vw_get_webhook, vw_list_keys, vw_list_webhook_statuses, vw_list_webhooks, vw_send_test_event,
    vw_update_credentials, vw_update_webhook,
};
pub use self::result::{vw_result, vw_result_text};

/// The crate version with a NUL terminator, for `vw_version`.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// Returns the library's version, such as `"0.1.0"`, as a static NUL-terminated string.
///
/// Compare it with `VW_VERSION_MAJOR`, `VW_VERSION_MINOR` and `VW_VERSION_PATCH` to detect a
/// header that does not match the library loaded at run time. Never returns NULL; do not free
/// the string. Thread-safe.
#[no_mangle]
pub extern "C" fn vw_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

/// Frees a string returned by this library through a `json_out` argument or `vw_last_error`.
/// NULL is accepted and does nothing.
///
/// Use only this function for such strings, never `free()`: the library's allocator may not
/// be the C library's. Freeing a string twice, or one that this library did not return, is
/// undefined behaviour.
#[no_mangle]
pub extern "C" fn vw_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    // SAFETY: the caller passes a string from CString::into_raw in this library (every string
    // it returns to C is made that way) that was not freed before.
    drop(unsafe { CString::from_raw(string) });
}

/// Copies the calling thread's last error JSON: the error object of the most recent failed
/// call on this thread, in the shape documented for `json_out`.
///
/// Successful calls do not clear it, and this function does not change it. On success,
/// `*json_out` receives a copy, owned by the caller and freed with `vw_string_free`, or NULL
/// when no call on this thread has failed yet.
///
/// Returns `VW_OK`, or `VW_ERROR_NULL_ARGUMENT` when `json_out` is NULL.
#[no_mangle]
pub extern "C" fn vw_last_error(json_out: *mut *mut c_char) -> vw_result {
    if json_out.is_null() {
        return vw_result::VW_ERROR_NULL_ARGUMENT;
    }
    let copy = boundary::last_error().map_or(std::ptr::null_mut(), CString::into_raw);
    // SAFETY: json_out is not NULL (checked above) and points to a writable `char *`, as
    // documented.
    unsafe { json_out.write(copy) };
    vw_result::VW_OK
}
