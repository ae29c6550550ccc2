//! The boundary every export runs through: panics caught, pointers and strings checked,
//! failures turned into a result code, an error JSON and the thread's last error.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{self, AssertUnwindSafe};

use serde_json::{json, Value};

use super::result::vw_result;
use crate::error::Error;

/// Longest JSON argument accepted, in bytes: 256 KiB. A webhook definition is a few hundred
/// bytes, so this only stops runaway inputs.
pub(crate) const MAX_JSON_BYTES: usize = 256 * 1024;

/// Maximum id, name or event type argument accepted, in bytes: 4 KiB.
pub(crate) const MAX_NAME_BYTES: usize = 4 * 1024;

/// Failure of an export.
pub(crate) enum Failure {
    /// The caller's arguments were rejected before the core was called.
    Caller(vw_result, String),
    /// The core returned an error.
    Core(Error),
}

impl Failure {
    pub(crate) fn new(result: vw_result, message: impl Into<String>) -> Failure {
        Failure::Caller(result, message.into())
    }

    fn result(&self) -> vw_result {
        match self {
            Failure::Caller(result, _) => *result,
            Failure::Core(error) => vw_result::from_error(error),
        }
    }

    /// Builds the error object: the code's name and number, and for an API error the HTTP
    /// status and Visier's error fields. It contains no secret, because no error message does.
    fn to_json(&self) -> CString {
        let result = self.result();
        let (message, api) = match self {
            Failure::Caller(_, message) => (message.clone(), None),
            Failure::Core(error) => (error.to_string(), Some(error)),
        };
        let api_error = api.and_then(Error::api_error);
        let value = json!({
            "code": result.name(),
            "result": result as i32,
            "httpStatus": api.and_then(Error::status),
            "visierCode": api_error.and_then(|e| e.code.clone()),
            "localizedMessage": api_error.and_then(|e| e.localized_message.clone()),
            "rci": api_error.and_then(|e| e.rci.clone()),
            "message": message,
        });
        // serde_json escapes every control character, NUL included, so this cannot fail.
        CString::new(value.to_string()).unwrap_or_default()
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Stores the error JSON as the calling thread's last error and returns the code.
fn record(failure: &Failure) -> (vw_result, CString) {
    let json = failure.to_json();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(json.clone()));
    (failure.result(), json)
}

/// Returns a copy of the calling thread's last error JSON, if any.
pub(crate) fn last_error() -> Option<CString> {
    LAST_ERROR.with(|slot| slot.borrow().clone())
}

fn panic_failure(payload: Box<dyn Any + Send>) -> Failure {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    Failure::new(
        vw_result::VW_ERROR_INTERNAL,
        format!("internal error: the library panicked: {detail}"),
    )
}

/// Runs `body`, turning a panic into a `VW_ERROR_INTERNAL` failure.
fn catch<T>(body: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(panic_failure(payload)))
}

/// Runs an export without an output pointer.
pub(crate) fn call(body: impl FnOnce() -> Result<(), Failure>) -> vw_result {
    match catch(body) {
        Ok(()) => vw_result::VW_OK,
        Err(failure) => record(&failure).0,
    }
}

/// Runs an export whose output is a JSON string written to `*json_out`.
///
/// On success `*json_out` receives the output; on failure it receives the error JSON. Both
/// are allocated here and freed with `vw_string_free`. When `json_out` is NULL, `body` is not
/// run, so no request is sent whose response could not be returned.
pub(crate) fn call_json(
    json_out: *mut *mut c_char,
    body: impl FnOnce() -> Result<String, Failure>,
) -> vw_result {
    if json_out.is_null() {
        let failure = Failure::new(vw_result::VW_ERROR_NULL_ARGUMENT, "json_out is NULL");
        return record(&failure).0;
    }

    let outcome = catch(|| {
        let text = body()?;
        CString::new(text).map_err(|_| {
            Failure::new(
                vw_result::VW_ERROR_INVALID_RESPONSE,
                "invalid response: the body contains a NUL byte",
            )
        })
    });

    let (result, text) = match outcome {
        Ok(text) => (vw_result::VW_OK, text),
        Err(failure) => record(&failure),
    };
    // SAFETY: json_out is not NULL (checked above), and the caller passes a pointer to a
    // writable `char *`, as every function's documentation requires.
    unsafe { json_out.write(text.into_raw()) };
    result
}

/// Runs an export whose output is a handle written to `*out`, only on success.
pub(crate) fn call_handle<T>(
    out: *mut *mut T,
    out_name: &str,
    body: impl FnOnce() -> Result<Box<T>, Failure>,
) -> vw_result {
    if out.is_null() {
        let failure = Failure::new(
            vw_result::VW_ERROR_NULL_ARGUMENT,
            format!("{out_name} is NULL"),
        );
        return record(&failure).0;
    }

    match catch(body) {
        Ok(handle) => {
            // SAFETY: out is not NULL (checked above), and the caller passes a pointer to a
            // writable handle pointer, as the function's documentation requires.
            unsafe { out.write(Box::into_raw(handle)) };
            vw_result::VW_OK
        }
        Err(failure) => record(&failure).0,
    }
}

/// Reads a NUL-terminated UTF-8 argument of at most `limit` bytes.
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for
/// `'a`. At most `limit + 1` bytes are read, so a longer string need not be scanned whole.
pub(crate) unsafe fn read_str<'a>(
    ptr: *const c_char,
    name: &str,
    limit: usize,
) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::new(
            vw_result::VW_ERROR_NULL_ARGUMENT,
            format!("{name} is NULL"),
        ));
    }
    // SAFETY: ptr is not NULL (checked above); the rest is forwarded from this function's
    // contract.
    let Some(bytes) = (unsafe { c_string_bytes(ptr, limit) }) else {
        return Err(Failure::new(
            vw_result::VW_ERROR_INPUT_TOO_LARGE,
            format!("{name} is longer than the limit of {limit} bytes"),
        ));
    };
    std::str::from_utf8(bytes).map_err(|error| {
        Failure::new(
            vw_result::VW_ERROR_INVALID_UTF8,
            format!(
                "{name} is not valid UTF-8: invalid byte at offset {}",
                error.valid_up_to()
            ),
        )
    })
}

/// Returns the bytes of a NUL-terminated string before the NUL, or `None` when there are more
/// than `limit` of them.
///
/// # Safety
///
/// `ptr` is not NULL and points to a NUL-terminated string that stays valid and unchanged for
/// `'a`. At most `limit + 1` bytes are read, so a longer string need not be scanned whole.
pub(crate) unsafe fn c_string_bytes<'a>(ptr: *const c_char, limit: usize) -> Option<&'a [u8]> {
    let mut length = 0;
    // SAFETY: every byte up to and including the terminating NUL is readable (the caller's
    // contract), and the loop stops at the NUL or at limit + 1 bytes, whichever comes first.
    while unsafe { *ptr.add(length) } != 0 {
        length += 1;
        if length > limit {
            return None;
        }
    }
    // SAFETY: the `length` bytes before the NUL were just read, and they live for 'a.
    Some(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), length) })
}

/// Reads a byte buffer argument given as a pointer and a length. NULL is accepted, as an
/// empty buffer, only when `length` is 0.
///
/// # Safety
///
/// `ptr` is NULL or points to `length` readable bytes that stay valid and unchanged for `'a`.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub(crate) unsafe fn read_bytes<'a>(
    ptr: *const u8,
    length: usize,
    name: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        if length == 0 {
            return Ok(&[]);
        }
        return Err(Failure::new(
            vw_result::VW_ERROR_NULL_ARGUMENT,
            format!("{name} is NULL but its length is {length}"),
        ));
    }
    // A slice may span at most isize::MAX bytes, so a larger length cannot describe a buffer.
    if isize::try_from(length).is_err() {
        return Err(Failure::new(
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            format!("invalid argument: the length of {name} ({length}) exceeds the address space"),
        ));
    }
    // SAFETY: ptr is not NULL and points to `length` readable bytes that live for 'a (the
    // caller's contract), and length is at most isize::MAX (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, length) })
}

/// Reads an optional NUL-terminated UTF-8 argument, where NULL means unset.
///
/// # Safety
///
/// As for [`read_str`].
pub(crate) unsafe fn read_optional_str<'a>(
    ptr: *const c_char,
    name: &str,
    limit: usize,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { read_str(ptr, name, limit) }.map(Some)
}

/// Reads a JSON argument and checks that it parses.
///
/// # Safety
///
/// As for [`read_str`].
pub(crate) unsafe fn read_json<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from this function's contract.
    let text = unsafe { read_str(ptr, name, MAX_JSON_BYTES) }?;
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(Failure::new(
            vw_result::VW_ERROR_INVALID_JSON,
            format!("{name} is not valid JSON: {error}"),
        ));
    }
    Ok(text)
}

/// Parses a JSON argument into a value.
pub(crate) fn parse_json(text: &str, name: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|error| {
        Failure::new(
            vw_result::VW_ERROR_INVALID_JSON,
            format!("{name} is not valid JSON: {error}"),
        )
    })
}
