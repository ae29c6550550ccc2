//! Forwarding this library's `log` records to a C callback.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::{OnceLock, RwLock};

use log::{LevelFilter, Log, Metadata, Record};

use super::boundary::{self, Failure};
use super::result::vw_result;

/// Severity of a log message, and the threshold given to `vw_set_log_callback`.
#[allow(non_camel_case_types)]
pub type vw_log_level = c_int;

/// Threshold that turns logging off.
pub const VW_LOG_OFF: vw_log_level = 0;
/// Errors.
pub const VW_LOG_ERROR: vw_log_level = 1;
/// Warnings, such as a retry after a failed attempt.
pub const VW_LOG_WARN: vw_log_level = 2;
/// Informational messages.
pub const VW_LOG_INFO: vw_log_level = 3;
/// One line per request attempt: method, path, status and time.
pub const VW_LOG_DEBUG: vw_log_level = 4;
/// The most detailed messages.
pub const VW_LOG_TRACE: vw_log_level = 5;

/// Receives one log message.
///
/// `user_data` is the pointer given to `vw_set_log_callback`. `level` is
/// `VW_LOG_ERROR` to `VW_LOG_TRACE`. `message` is a NUL-terminated UTF-8 line
/// without a trailing newline, valid only during the call. The callback may run
/// on any thread that calls the library, several at once, so it must be
/// thread-safe. It must not call `vw_set_log_callback`. No message contains an
/// API key, password, token or key value.
#[allow(non_camel_case_types)]
pub type vw_log_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: vw_log_level, message: *const c_char),
>;

#[derive(Clone, Copy)]
struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, vw_log_level, *const c_char),
    /// The caller's pointer, stored as an address because raw pointers are not `Send`.
    user_data: usize,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static INSTALLED: OnceLock<Result<(), ()>> = OnceLock::new();

/// Target prefix of this crate's records; records of other crates are not forwarded.
const CRATE_TARGET: &str = "visier_webhooks";

struct Forwarder;

impl Log for Forwarder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with(CRATE_TARGET)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) || record.level() > log::max_level() {
            return;
        }
        // Copy the sink out, so the callback runs without the lock held.
        let sink = match SINK.read() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        };
        let Some(sink) = sink else {
            return;
        };
        let text = record.args().to_string().replace('\0', "\\0");
        let message = CString::new(text).unwrap_or_default();
        let level = record.level() as vw_log_level;
        // SAFETY: the callback and user_data were given together to vw_set_log_callback,
        // whose contract makes the callback callable from any thread with that pointer;
        // message is a valid NUL-terminated string that outlives the call.
        unsafe { (sink.callback)(sink.user_data as *mut c_void, level, message.as_ptr()) };
    }

    fn flush(&self) {}
}

static FORWARDER: Forwarder = Forwarder;

fn level_filter(level: vw_log_level) -> Result<LevelFilter, Failure> {
    match level {
        VW_LOG_OFF => Ok(LevelFilter::Off),
        VW_LOG_ERROR => Ok(LevelFilter::Error),
        VW_LOG_WARN => Ok(LevelFilter::Warn),
        VW_LOG_INFO => Ok(LevelFilter::Info),
        VW_LOG_DEBUG => Ok(LevelFilter::Debug),
        VW_LOG_TRACE => Ok(LevelFilter::Trace),
        other => Err(Failure::new(
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            format!("invalid argument: log level {other}; use VW_LOG_OFF (0) to VW_LOG_TRACE (5)"),
        )),
    }
}

/// Sets the function that receives this library's log messages of `level` and
/// more severe.
///
/// `level` is `VW_LOG_OFF` to `VW_LOG_TRACE`. A NULL `callback` or `VW_LOG_OFF`
/// stops the messages. `user_data` is passed to every call of the callback and
/// is never read or freed by the library. It must stay valid until the callback
/// is replaced. A callback call already running on another thread may still
/// finish after this function returns.
///
/// The first call installs the library's logger in the process's Rust `log`
/// facade, which admits one logger per process. It fails when a Rust program
/// linked with this library installed its own. Thread-safe.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_INVALID_ARGUMENT` for a level outside 0 to 5.
/// - `VW_ERROR_INVALID_CONFIG` when another logger is installed in the process.
#[no_mangle]
pub extern "C" fn vw_set_log_callback(
    callback: vw_log_callback,
    level: vw_log_level,
    user_data: *mut c_void,
) -> vw_result {
    boundary::call(|| {
        let filter = level_filter(level)?;

        let installed = INSTALLED.get_or_init(|| log::set_logger(&FORWARDER).map_err(|_| ()));
        if installed.is_err() {
            return Err(Failure::new(
                vw_result::VW_ERROR_INVALID_CONFIG,
                "invalid configuration: another logger is installed in this process's log \
                 facade, so messages cannot be forwarded",
            ));
        }

        let sink = callback.map(|callback| Sink {
            callback,
            user_data: user_data as usize,
        });
        match SINK.write() {
            Ok(mut guard) => *guard = sink,
            Err(poisoned) => *poisoned.into_inner() = sink,
        }
        let filter = if sink.is_some() {
            filter
        } else {
            LevelFilter::Off
        };
        log::set_max_level(filter);
        Ok(())
    })
}
