//! Functions of the library as a whole: the calling thread's last error, freeing the strings
//! that the library returns, and its version.

use std::ffi::{c_char, CString};

use super::boundary;
use super::result::vw_result;

/// The crate version with a NUL terminator, for `vw_version`.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// Copies the calling thread's last error JSON: the error object of the most
/// recent failed call on this thread, in the shape described at the top of this
/// header.
///
/// Successful calls do not clear it, and this function does not change it. On
/// success, `*json_out` receives a copy, owned by the caller and freed with
/// `vw_string_free`, or NULL when no call on this thread has failed yet.
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

/// Frees a string returned by this library through a `json_out` argument or
/// `vw_last_error`. NULL is accepted and does nothing.
///
/// Use only this function for such strings, never `free()`, because the
/// library's allocator may not be the C library's. Freeing a string twice, or
/// one that this library did not return, is undefined behaviour.
#[no_mangle]
pub extern "C" fn vw_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    // SAFETY: the caller passes a string from CString::into_raw in this library (every string
    // it returns to C is made that way) that was not freed before.
    drop(unsafe { CString::from_raw(string) });
}

/// Returns the library's version, such as `"0.1.0"`, as a static NUL-terminated
/// string.
///
/// Compare it with `VW_VERSION_MAJOR`, `VW_VERSION_MINOR` and
/// `VW_VERSION_PATCH` to detect a header that does not match the library loaded
/// at run time. Never returns NULL. The string is owned by the library: do not
/// free it. Thread-safe.
#[no_mangle]
pub extern "C" fn vw_version() -> *const c_char {
    VERSION.as_ptr().cast()
}
