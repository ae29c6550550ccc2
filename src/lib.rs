//! Blocking client for the Visier Webhooks REST API, with a C ABI.
//!
//! One [`Client`] performs every webhook operation of the API: list (with `isActive` and
//! `event` filters), get, create, update, update and delete credentials, delete, send a test
//! event, list webhook statuses, and manage the encryption keys that sign notifications. It
//! runs on a [`ureq`] agent: no async runtime, no background thread.
//!
//! ```no_run
//! use visier_webhooks::{Client, ListFilter};
//!
//! let client = Client::from_env()?;
//! for webhook in client.list_webhooks(&ListFilter::new().active_only())? {
//!     println!("{} -> {:?}", webhook.webhook_id, webhook.details.target_url);
//! }
//! # Ok::<(), visier_webhooks::Error>(())
//! ```
//!
//! Errors are [`Error`]; an HTTP error keeps Visier's error body in [`ApiError`]. No message,
//! log line or `Debug` output contains the API key, a password, a token or a key value.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod auth;
mod client;
mod config;
mod endpoint;
mod error;
pub mod ffi;
pub mod models;
pub mod notification;
mod retry;
mod secret;
mod transport;

pub use client::{Client, ListFilter};
pub use config::{
    ApiVersion, Auth, ClientBuilder, TlsRoots, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, ENV_VARIABLES,
};
pub use endpoint::{Endpoint, Method};
pub use error::{ApiError, Error, Result};
pub use models::{
    BasicAuth, DeletedKey, EncryptionKeyDetails, EncryptionKeyList, EventSubscription, EventType,
    GenerateKeyRequest, GeneratedKey, KeyAlgorithm, TestEventResponse, Webhook, WebhookCredentials,
    WebhookDetails, WebhookRequest, WebhookStatus, WebhookStatusList,
};
pub use retry::RetryPolicy;
pub use secret::Secret;

/// Compiles the Rust examples of the README as doctests, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
