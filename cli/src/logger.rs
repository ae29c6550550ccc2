//! A logger that writes the library's log records to stderr.

use log::{Level, Log, Metadata, Record};

/// Writes records of the `visier_webhooks` crate only. Records of the HTTP stack are left
/// out, because only the library's own lines are reviewed to never contain a secret.
struct StderrLogger {
    level: Level,
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level && metadata.target().starts_with("visier_webhooks")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = record.level().as_str().to_ascii_lowercase();
            eprintln!("{level}: {}", record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger: every request with `verbose`, otherwise warnings (such as retries),
/// or nothing when `json_errors` is set, so that stderr contains only the JSON error.
pub fn init(verbose: bool, json_errors: bool) {
    if json_errors && !verbose {
        return;
    }
    let level = if verbose { Level::Debug } else { Level::Warn };
    let logger = Box::leak(Box::new(StderrLogger { level }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level.to_level_filter());
    }
}
