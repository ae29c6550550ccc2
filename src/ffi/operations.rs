//! The API operations: JSON in and out, in the shapes of Visier's API, passed through
//! untouched so that fields unknown to this library survive.

use std::ffi::{c_char, c_int};

use super::boundary::{self, Failure, MAX_NAME_BYTES};
use super::client::{client_ref, vw_client};
use super::result::vw_result;
use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::Error;

/// Sends one operation and returns the response, checked to be UTF-8 JSON.
fn send(client: &Client, endpoint: Endpoint<'_>, body: Option<&str>) -> Result<String, Failure> {
    let bytes = client.send_raw(endpoint, body.map(str::as_bytes))?;

    let invalid = |detail: String| {
        let path = endpoint
            .path_and_query(client.api_version())
            .unwrap_or_default();
        Failure::Core(Error::Decode {
            method: endpoint.method().as_str(),
            path,
            detail,
            body_excerpt: String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
        })
    };
    let text = std::str::from_utf8(&bytes)
        .map_err(|error| invalid(format!("the body is not UTF-8: {error}")))?;
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(invalid(format!("the body is not JSON: {error}")));
    }
    Ok(text.to_owned())
}

/// Converts the C `is_active` filter: -1 unset, 0 false, 1 true.
fn is_active_filter(is_active: c_int) -> Result<Option<bool>, Failure> {
    match is_active {
        -1 => Ok(None),
        0 => Ok(Some(false)),
        1 => Ok(Some(true)),
        other => Err(Failure::new(
            vw_result::VW_ERROR_INVALID_ARGUMENT,
            format!("invalid argument: is_active is {other}; use -1 (no filter), 0 or 1"),
        )),
    }
}

/// Lists the webhooks (`GET /v1/op/webhooks`).
///
/// `is_active` is -1 for no filter, 1 for active webhooks only, 0 to send
/// `isActive=false`. `event` is NULL for no filter, or an event type such as
/// `"jobResultSuccess"` to list only webhooks listening for it (at most 4 KiB).
///
/// On success, `*json_out` receives the API's response,
/// `{"webhooks": [{"webhookId": ..., "details": {...}, "credentialReference":
/// ...}, ...]}`. On failure, it receives the error JSON. Either string is owned
/// by the caller and freed with `vw_string_free`.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `client` or `json_out` is NULL.
/// - `VW_ERROR_INVALID_ARGUMENT` when `is_active` is not -1, 0 or 1.
/// - `VW_ERROR_INVALID_UTF8` or `VW_ERROR_INPUT_TOO_LARGE` for `event`.
/// - An API error (100 to 104) or a transport error (200 to 206).
#[no_mangle]
pub extern "C" fn vw_list_webhooks(
    client: *const vw_client,
    is_active: c_int,
    event: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    list(client, is_active, event, json_out, Listing::Webhooks)
}

/// Lists the active status and events of the webhooks
/// (`GET /v1/op/webhooks-status`).
///
/// `is_active` and `event` filter as for `vw_list_webhooks`. On success,
/// `*json_out` receives the API's response,
/// `{"webhooks": [{"webhookId": ..., "details": {"isActive": ..., "events":
/// [...]}}, ...]}`. On failure, it receives the error JSON. Either string is
/// owned by the caller and freed with `vw_string_free`.
///
/// Returns the codes of `vw_list_webhooks`.
#[no_mangle]
pub extern "C" fn vw_list_webhook_statuses(
    client: *const vw_client,
    is_active: c_int,
    event: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    list(client, is_active, event, json_out, Listing::Statuses)
}

/// The two list operations, which take the same filters.
#[derive(Clone, Copy)]
enum Listing {
    Webhooks,
    Statuses,
}

/// Checks the filters of a list operation and sends it.
fn list(
    client: *const vw_client,
    is_active: c_int,
    event: *const c_char,
    json_out: *mut *mut c_char,
    listing: Listing,
) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or a live handle, as documented.
        let client = unsafe { client_ref(client) }?;
        let is_active = is_active_filter(is_active)?;
        // SAFETY: the caller passes NULL or a NUL-terminated string, as documented.
        let event = unsafe { boundary::read_optional_str(event, "event", MAX_NAME_BYTES) }?;

        let endpoint = match listing {
            Listing::Webhooks => Endpoint::ListWebhooks { is_active, event },
            Listing::Statuses => Endpoint::ListStatuses { is_active, event },
        };
        send(client, endpoint, None)
    })
}

/// An operation whose path takes one webhook id or key name.
#[derive(Clone, Copy)]
enum Named {
    GetWebhook,
    UpdateWebhook,
    UpdateCredentials,
    DeleteCredentials,
    DeleteWebhook,
    DeleteKey,
}

impl Named {
    fn endpoint(self, name: &str) -> Endpoint<'_> {
        match self {
            Named::GetWebhook => Endpoint::GetWebhook(name),
            Named::UpdateWebhook => Endpoint::UpdateWebhook(name),
            Named::UpdateCredentials => Endpoint::UpdateCredentials(name),
            Named::DeleteCredentials => Endpoint::DeleteCredentials(name),
            Named::DeleteWebhook => Endpoint::DeleteWebhook(name),
            Named::DeleteKey => Endpoint::DeleteKey(name),
        }
    }
}

/// Runs an operation whose only argument is a webhook id or key name.
fn with_name(
    client: *const vw_client,
    name: *const c_char,
    name_label: &str,
    json_out: *mut *mut c_char,
    operation: Named,
) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or a live handle, as documented.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes NULL or a NUL-terminated string, as documented.
        let name = unsafe { boundary::read_str(name, name_label, MAX_NAME_BYTES) }?;

        send(client, operation.endpoint(name), None)
    })
}

/// Runs an operation that takes a webhook id and a JSON body.
fn with_id_and_body(
    client: *const vw_client,
    webhook_id: *const c_char,
    body: *const c_char,
    body_label: &str,
    json_out: *mut *mut c_char,
    operation: Named,
) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or a live handle, as documented.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes NULL or NUL-terminated strings, as documented.
        let webhook_id = unsafe { boundary::read_str(webhook_id, "webhook_id", MAX_NAME_BYTES) }?;
        // SAFETY: as above.
        let body = unsafe { boundary::read_json(body, body_label) }?;

        send(client, operation.endpoint(webhook_id), Some(body))
    })
}

/// Runs an operation that takes only a JSON body.
fn with_body(
    client: *const vw_client,
    body: *const c_char,
    body_label: &str,
    json_out: *mut *mut c_char,
    endpoint: Endpoint<'static>,
) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or a live handle, as documented.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes NULL or a NUL-terminated string, as documented.
        let body = unsafe { boundary::read_json(body, body_label) }?;

        send(client, endpoint, Some(body))
    })
}

/// Fetches one webhook (`GET /v1/op/webhooks/{webhook_id}`).
///
/// `webhook_id` (at most 4 KiB) is percent-encoded as one path segment. On
/// success, `*json_out` receives the webhook,
/// `{"webhookId": ..., "details": {"targetUrl": ..., "isActive": ..., "events":
/// [{"eventType": ...}], "keyName": ..., "displayName": ...},
/// "credentialReference": ...}`. On failure, it receives the error JSON. Either
/// string is owned by the caller and freed with `vw_string_free`.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `client`, `webhook_id` or `json_out` is
///   NULL.
/// - `VW_ERROR_INVALID_UTF8` or `VW_ERROR_INPUT_TOO_LARGE` for `webhook_id`.
/// - `VW_ERROR_INVALID_ARGUMENT` when `webhook_id` is empty, `.` or `..`.
/// - `VW_ERROR_NOT_FOUND` when no such webhook exists.
/// - Another API error (100 to 104) or a transport error (200 to 206).
#[no_mangle]
pub extern "C" fn vw_get_webhook(
    client: *const vw_client,
    webhook_id: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_name(
        client,
        webhook_id,
        "webhook_id",
        json_out,
        Named::GetWebhook,
    )
}

/// Creates a webhook (`POST /v1/op/webhooks`).
///
/// `request_json` (at most 256 KiB) is the API's `WebhookRequestDTO`, sent as
/// given: `{"details": {...}, "credentials": {...}}`. `details` has the fields
/// that `vw_get_webhook` returns,
/// `{"targetUrl": ..., "isActive": false, "events": [{"eventType": ...}],
/// "keyName": ..., "displayName": ...}`, and Visier requires `isActive` to be
/// false on creation. `credentials` is
/// `{"basicAuth": {"username": ..., "password": ...}}` or
/// `{"accessToken": ...}`.
///
/// On success, `*json_out` receives the new webhook, as `vw_get_webhook`
/// returns it. On failure, it receives the error JSON. Either string is owned
/// by the caller and freed with `vw_string_free`.
///
/// The request is never sent twice once it may have reached the server, so a
/// failure after that returns `VW_ERROR_OUTCOME_UNKNOWN`: list the webhooks
/// before trying again.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `client`, `request_json` or `json_out` is
///   NULL.
/// - `VW_ERROR_INVALID_UTF8`, `VW_ERROR_INPUT_TOO_LARGE` or
///   `VW_ERROR_INVALID_JSON` for `request_json`.
/// - An API error (100 to 104, `VW_ERROR_API` for a rejected definition) or a
///   transport error (200 to 206).
#[no_mangle]
pub extern "C" fn vw_create_webhook(
    client: *const vw_client,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_body(
        client,
        request_json,
        "request_json",
        json_out,
        Endpoint::CreateWebhook,
    )
}

/// Replaces a webhook's whole definition (`PUT /v1/op/webhooks/{webhook_id}`).
///
/// `webhook_json` (at most 256 KiB) is the whole webhook,
/// `{"webhookId": ..., "details": {...}}`, sent as given. Any field left out of
/// `details` is REMOVED from the webhook, so change a webhook by
/// read-modify-write: get it with `vw_get_webhook`, edit that JSON, and send
/// all of it back. A `webhookId` in the body must equal `webhook_id`.
/// Credentials are not changed by this call. Use `vw_update_credentials` for
/// them. On success, `*json_out` receives the updated webhook. On failure, it
/// receives the error JSON. Either string is owned by the caller and freed
/// with `vw_string_free`.
///
/// Returns the codes of `vw_get_webhook`, and also:
/// - `VW_ERROR_NULL_ARGUMENT` when `webhook_json` is NULL.
/// - `VW_ERROR_INVALID_UTF8`, `VW_ERROR_INPUT_TOO_LARGE` or
///   `VW_ERROR_INVALID_JSON` for `webhook_json`.
#[no_mangle]
pub extern "C" fn vw_update_webhook(
    client: *const vw_client,
    webhook_id: *const c_char,
    webhook_json: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_id_and_body(
        client,
        webhook_id,
        webhook_json,
        "webhook_json",
        json_out,
        Named::UpdateWebhook,
    )
}

/// Replaces a webhook's credentials
/// (`PUT /v1/op/webhooks/{webhook_id}/credentials`).
///
/// `credentials_json` (at most 256 KiB) is
/// `{"basicAuth": {"username": ..., "password": ...}}` or
/// `{"accessToken": ...}`, sent as given. The credentials are never returned:
/// on success, `*json_out` receives the webhook with a new
/// `credentialReference`. On failure, it receives the error JSON. Either string
/// is owned by the caller and freed with `vw_string_free`.
///
/// Returns the codes of `vw_get_webhook`, and also:
/// - `VW_ERROR_NULL_ARGUMENT` when `credentials_json` is NULL.
/// - `VW_ERROR_INVALID_UTF8`, `VW_ERROR_INPUT_TOO_LARGE` or
///   `VW_ERROR_INVALID_JSON` for `credentials_json`.
#[no_mangle]
pub extern "C" fn vw_update_credentials(
    client: *const vw_client,
    webhook_id: *const c_char,
    credentials_json: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_id_and_body(
        client,
        webhook_id,
        credentials_json,
        "credentials_json",
        json_out,
        Named::UpdateCredentials,
    )
}

/// Removes a webhook's credentials
/// (`DELETE /v1/op/webhooks/{webhook_id}/credentials`).
///
/// On success, `*json_out` receives the webhook, whose `credentialReference` is
/// now `""`. On failure, it receives the error JSON. Either string is owned by
/// the caller and freed with `vw_string_free`.
///
/// Returns the codes of `vw_get_webhook`.
#[no_mangle]
pub extern "C" fn vw_delete_credentials(
    client: *const vw_client,
    webhook_id: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_name(
        client,
        webhook_id,
        "webhook_id",
        json_out,
        Named::DeleteCredentials,
    )
}

/// Deletes a webhook (`DELETE /v1/op/webhooks/{webhook_id}`).
///
/// On success, `*json_out` receives the webhook's last definition. On failure,
/// it receives the error JSON. Either string is owned by the caller and freed
/// with `vw_string_free`.
///
/// Returns the codes of `vw_get_webhook`.
#[no_mangle]
pub extern "C" fn vw_delete_webhook(
    client: *const vw_client,
    webhook_id: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_name(
        client,
        webhook_id,
        "webhook_id",
        json_out,
        Named::DeleteWebhook,
    )
}

/// Sends a test event to a webhook's target URL
/// (`POST /v1/op/webhooks/{webhook_id}/testEvent`).
///
/// `event_type` (at most 4 KiB) is an event type such as `"jobResultSuccess"`,
/// and the body sent is `{"eventType": event_type}`. On success, `*json_out`
/// receives the receiver's response as the API reports it,
/// `{"statusCode": ..., "message": ..., "messageId": ..., "eventId": ...}`. On
/// failure, it receives the error JSON. Either string is owned by the caller
/// and freed with `vw_string_free`.
///
/// `VW_OK` means that the API ran the test, not that the receiver accepted
/// it: check `statusCode`, which is the receiver's HTTP status (the emulator
/// reports 0 when it could not deliver).
///
/// The request is never sent twice once it may have reached the server, so a
/// failure after that returns `VW_ERROR_OUTCOME_UNKNOWN`.
///
/// Returns the codes of `vw_get_webhook`, and also:
/// - `VW_ERROR_NULL_ARGUMENT` when `event_type` is NULL.
/// - `VW_ERROR_INVALID_UTF8` or `VW_ERROR_INPUT_TOO_LARGE` for `event_type`.
#[no_mangle]
pub extern "C" fn vw_send_test_event(
    client: *const vw_client,
    webhook_id: *const c_char,
    event_type: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or a live handle, as documented.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes NULL or NUL-terminated strings, as documented.
        let webhook_id = unsafe { boundary::read_str(webhook_id, "webhook_id", MAX_NAME_BYTES) }?;
        // SAFETY: as above.
        let event_type = unsafe { boundary::read_str(event_type, "event_type", MAX_NAME_BYTES) }?;

        let body = serde_json::json!({ "eventType": event_type }).to_string();
        send(client, Endpoint::SendTestEvent(webhook_id), Some(&body))
    })
}

/// Generates an encryption key (`POST /v1alpha/admin/encryption-keys`).
///
/// `request_json` (at most 256 KiB) is
/// `{"keyName": ..., "algorithm": "HmacSHA256", "expiryDate": ...}`, sent as
/// given. `keyName` has 6 to 36 letters, digits and dashes, and `expiryDate` is
/// optional. `vw_verify_notification` checks HMAC-SHA256 signatures only.
///
/// On success, `*json_out` receives the new key, value included:
/// `{"detail": {"keyName": ..., "algorithm": ..., ...}, "key": "..."}`. This is
/// the only time the API returns the value, so store it to verify notification
/// signatures, and overwrite the string before freeing it if your security
/// policy requires it. On failure, it receives the error JSON. Either string is
/// owned by the caller and freed with `vw_string_free`.
///
/// Like a create, the request is never sent twice once it may have reached the
/// server, so a failure after that returns `VW_ERROR_OUTCOME_UNKNOWN`: list the
/// keys before trying again.
///
/// Returns the codes of `vw_create_webhook`.
#[no_mangle]
pub extern "C" fn vw_generate_key(
    client: *const vw_client,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_body(
        client,
        request_json,
        "request_json",
        json_out,
        Endpoint::GenerateKey,
    )
}

/// Lists the tenant's encryption keys (`GET /v1alpha/admin/encryption-keys`).
///
/// On success, `*json_out` receives the API's response,
/// `{"keyDetails": [{"keyName": ..., "algorithm": ..., "generatedBy": ...,
/// "dateGenerated": ..., "expiryDate": ...}, ...]}`: the keys' names,
/// algorithms and dates, but never their values. On failure, it receives the
/// error JSON. Either string is owned by the caller and freed with
/// `vw_string_free`.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `client` or `json_out` is NULL.
/// - An API error (100 to 104) or a transport error (200 to 206).
#[no_mangle]
pub extern "C" fn vw_list_keys(client: *const vw_client, json_out: *mut *mut c_char) -> vw_result {
    boundary::call_json(json_out, || {
        // SAFETY: the caller passes NULL or a live handle, as documented.
        let client = unsafe { client_ref(client) }?;

        send(client, Endpoint::ListKeys, None)
    })
}

/// Deletes an encryption key by name
/// (`DELETE /v1alpha/admin/encryption-keys/{key_name}`).
///
/// `key_name` (at most 4 KiB) is percent-encoded as one path segment. On
/// success, `*json_out` receives the API's response naming the deleted key,
/// `{"keyName": ...}`. On failure, it receives the error JSON. Either string is
/// owned by the caller and freed with `vw_string_free`.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `client`, `key_name` or `json_out` is NULL.
/// - `VW_ERROR_INVALID_UTF8` or `VW_ERROR_INPUT_TOO_LARGE` for `key_name`.
/// - `VW_ERROR_INVALID_ARGUMENT` when `key_name` is empty, `.` or `..`.
/// - `VW_ERROR_NOT_FOUND` when no such key exists.
/// - Another API error (100 to 104) or a transport error (200 to 206).
#[no_mangle]
pub extern "C" fn vw_delete_key(
    client: *const vw_client,
    key_name: *const c_char,
    json_out: *mut *mut c_char,
) -> vw_result {
    with_name(client, key_name, "key_name", json_out, Named::DeleteKey)
}
