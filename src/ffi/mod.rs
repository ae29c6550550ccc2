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

// cbindgen writes the functions into the header module by module, in the order declared here:
// the client's lifecycle, the API operations, the checks of a received notification, then the
// utilities. A blank line between declarations keeps rustfmt from sorting them.
mod client;

mod operations;

mod notification;

mod result;

mod library;

mod logging;

pub use self::client::{vw_client, vw_client_free, vw_client_from_env, vw_client_new};
pub use self::library::{vw_last_error, vw_string_free, vw_version};
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
