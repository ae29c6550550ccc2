//! A local server that emulates Visier's Webhooks API, for offline development and tests.
//!
//! [`Emulator::start`] serves, on a loopback port by default:
//! - every webhook endpoint under both `/v1/op/...` and `/v1beta/op/...`: list (filters
//!   `isActive` and `event`), get, create, PUT update, PUT and DELETE credentials, DELETE,
//!   `POST .../testEvent` and `GET .../webhooks-status`;
//! - the encryption-key endpoints under `/v1alpha/admin/encryption-keys` (list, generate,
//!   delete by name);
//! - the token endpoints `POST /v1/admin/visierSecureToken` and `POST /v1/auth/oauth2/token`
//!   (grants `password` and `refresh_token`);
//! - control endpoints under `/__emulator/` (faults, records, events, reset), without
//!   authentication, for programs that cannot call the Rust API.
//!
//! Every API call needs a valid `apikey` header, except that the token endpoints also accept a
//! request without one, as Visier's spec allows. Calls other than the token endpoints also need
//! an unexpired token, as `Cookie: VisierASIDToken=...` or `Authorization: Bearer ...`. State is
//! kept in memory per tenant, chosen by the `TargetTenantID` header.
//!
//! # Choices where Visier's documentation is silent
//! - Broken input rules get 400 with a Status body whose `code` is `InvalidParam`; unknown
//!   ids and key names get 404 with `NotFound`; missing or bad credentials get 401 with
//!   `Unauthorized`. The `message` field, which Visier marks unused, is left out.
//! - A webhook may be created without a `targetUrl` or events, as in Visier's sample of a
//!   webhook in design, but an active webhook needs a `targetUrl` and at least one event. A
//!   `webhookId` in a PUT body must match the path.
//! - Credentials with a control character (such as CR or LF), and a basic-auth username with
//!   `:`, get 400, because notifications send them in the `Authorization` header.
//! - Event types may repeat in a webhook's `events`; they are stored as sent.
//! - The `event` list filter rejects unknown event types with 400 unless any type is accepted.
//! - Security tokens and OAuth access tokens are random strings that work interchangeably; the
//!   `id_token` is an unsigned JWT (`alg` `none`). Refresh tokens are single-use: each refresh
//!   returns a new one, bound to the OAuth client that got it.
//! - Rate limits use fixed one-minute and one-hour windows per API key. Only the minute limit
//!   is enforced, and only when `rate_limit_per_minute` is set; 429 responses carry
//!   `Retry-After` in seconds. Requests without a valid key are not counted.
//! - Notifications are `POST` with `Content-Type: application/json` over plain HTTP (an https
//!   target is recorded as failed). Event ids are UUIDs; retries keep the event id and pause
//!   100 ms, doubling up to 2 s. A target that is not allowed is not retried. Deleting an
//!   encryption key that a webhook names makes its deliveries fail without sending anything.
//!   The `x-visier-signature` header is the lowercase hex HMAC-SHA256 of the exact body bytes,
//!   keyed with the UTF-8 bytes of the key value that generate returned (Visier does not
//!   document the scheme).
//! - Test events go to active and inactive webhooks alike. When the receiver cannot be reached
//!   or the target is not allowed, the response is 200 with `statusCode` 0 and the reason in
//!   `message`.
//! - Faults apply before authentication and rate limiting, and never to `/__emulator/`.
//!   Control requests are not recorded in [`Emulator::requests`].

mod api;
mod auth;
mod config;
mod control;
mod delivery;
mod events;
mod fault;
mod http;
mod keys;
mod records;
mod server;
mod state;
mod url;
mod util;
mod webhooks;

pub use config::{
    EmulatorConfig, DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD,
    DEFAULT_USER,
};
pub use fault::{Fault, FaultAction};
pub use records::{Delivery, RequestRecord};
pub use server::{Emulator, MAX_CONNECTIONS, MAX_REQUEST_RECORDS};
