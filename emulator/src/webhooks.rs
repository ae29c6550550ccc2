//! Handlers of the webhook endpoints, with the input rules they enforce.

use serde_json::{json, Map, Value};

use crate::api::{bad_param, json_object, not_found};
use crate::delivery::{self, DeliveryTarget};
use crate::http::{Request, Response};
use crate::server::{lock, Shared};
use crate::state::{Credentials, Details, Tenant, Webhook, EVENT_TYPES, MAX_WEBHOOKS};
use crate::url::TargetUrl;
use crate::util::{parse_query, uuid_v4};

/// Checks an event type against the documented list, or only for being non-empty when the
/// emulator accepts any event type.
pub(crate) fn check_event_type(
    shared: &Shared,
    event_type: &str,
    field: &str,
) -> Result<(), Response> {
    if shared.config.accept_any_event_type {
        if event_type.is_empty() {
            return Err(bad_param(format!("{field} must not be empty")));
        }
        return Ok(());
    }
    if EVENT_TYPES.contains(&event_type) {
        Ok(())
    } else {
        Err(bad_param(format!(
            "{field} {event_type:?} is not a valid event type; valid values: {}",
            EVENT_TYPES.join(", ")
        )))
    }
}

fn optional_string(
    object: &Map<String, Value>,
    name: &str,
    field: &str,
) -> Result<Option<String>, Response> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad_param(format!("{field} must be a string"))),
    }
}

/// Parses `details`; a missing or null value is an empty definition.
fn parse_details(shared: &Shared, value: Option<&Value>) -> Result<Details, Response> {
    let object = match value {
        None | Some(Value::Null) => return Ok(Details::default()),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(bad_param("details must be a JSON object")),
    };
    let target_url =
        optional_string(object, "targetUrl", "details.targetUrl")?.filter(|url| !url.is_empty());
    if let Some(url) = &target_url {
        TargetUrl::parse(url)
            .map_err(|reason| bad_param(format!("details.targetUrl is invalid: {reason}")))?;
    }
    let is_active = match object.get("isActive") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad_param("details.isActive must be true or false")),
    };
    let mut events = Vec::new();
    match object.get("events") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let field = format!("details.events[{i}].eventType");
                let event_type = item
                    .get("eventType")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad_param(format!("{field} is missing or not a string")))?;
                check_event_type(shared, event_type, &field)?;
                events.push(event_type.to_owned());
            }
        }
        Some(_) => return Err(bad_param("details.events must be an array")),
    }
    let key_name = optional_string(object, "keyName", "details.keyName")?.filter(|k| !k.is_empty());
    let display_name = optional_string(object, "displayName", "details.displayName")?;
    if is_active && target_url.is_none() {
        return Err(bad_param(
            "details.targetUrl is required for an active webhook",
        ));
    }
    Ok(Details {
        target_url,
        is_active,
        events,
        key_name,
        display_name,
    })
}

/// Checks that `details.keyName` names one of the tenant's HmacSHA256 keys.
fn check_key_name(tenant: &Tenant, details: &Details) -> Result<(), Response> {
    let Some(name) = &details.key_name else {
        return Ok(());
    };
    match tenant.key(name) {
        None => Err(bad_param(format!(
            "details.keyName {name:?} does not name an existing encryption key"
        ))),
        Some(key) if key.algorithm != "HmacSHA256" => Err(bad_param(format!(
            "details.keyName {name:?} uses {}; webhooks need an HmacSHA256 key",
            key.algorithm
        ))),
        Some(_) => Ok(()),
    }
}

/// Rejects a credential with a control character, such as CR or LF, which would end the
/// `Authorization` header of a notification early and inject headers of its own. RFC 7617
/// section 2 also forbids control characters in a basic-auth user-id and password.
fn check_no_control_characters(value: &str, field: &str) -> Result<(), Response> {
    if value.chars().any(char::is_control) {
        return Err(bad_param(format!(
            "{field} must not contain control characters such as CR or LF"
        )));
    }
    Ok(())
}

/// Parses credentials; `prefix` names the enclosing field in error messages.
fn parse_credentials(value: Option<&Value>, prefix: &str) -> Result<Option<Credentials>, Response> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(bad_param(format!(
                "{prefix}credentials must be a JSON object"
            )))
        }
    };
    let basic = object.get("basicAuth").filter(|v| !v.is_null());
    let token = object.get("accessToken").filter(|v| !v.is_null());
    match (basic, token) {
        (Some(_), Some(_)) => Err(bad_param(format!(
            "{prefix}credentials must contain at most one of basicAuth and accessToken"
        ))),
        (Some(basic), None) => {
            let field = |name: &str| -> Result<String, Response> {
                let value = basic
                    .get(name)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        bad_param(format!("{prefix}basicAuth.{name} is missing or empty"))
                    })?;
                check_no_control_characters(value, &format!("{prefix}basicAuth.{name}"))?;
                Ok(value.to_owned())
            };
            if !basic.is_object() {
                return Err(bad_param(format!(
                    "{prefix}basicAuth must be a JSON object"
                )));
            }
            let username = field("username")?;
            // RFC 7617 section 2: the colon separates the user-id from the password.
            if username.contains(':') {
                return Err(bad_param(format!(
                    "{prefix}basicAuth.username must not contain ':'"
                )));
            }
            Ok(Some(Credentials::Basic {
                username,
                password: field("password")?,
            }))
        }
        (None, Some(token)) => match token.as_str() {
            Some(t) if !t.is_empty() => {
                check_no_control_characters(t, &format!("{prefix}accessToken"))?;
                Ok(Some(Credentials::AccessToken(t.to_owned())))
            }
            _ => Err(bad_param(format!(
                "{prefix}accessToken must be a non-empty string"
            ))),
        },
        (None, None) => Ok(None),
    }
}

fn unknown_webhook(id: &str) -> Response {
    not_found(format!("webhook {id:?} not found"))
}

/// `GET /op/webhooks` and `GET /op/webhooks-status`, with the `isActive` and `event` filters.
pub(crate) fn list(shared: &Shared, tenant: Option<&str>, query: &str, statuses: bool) -> Response {
    let mut active_only = false;
    let mut event = None;
    for (name, value) in parse_query(query) {
        match name.as_str() {
            "isActive" => {
                active_only = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return bad_param("query parameter isActive must be true or false"),
                }
            }
            "event" => {
                if let Err(response) = check_event_type(shared, &value, "query parameter event") {
                    return response;
                }
                event = Some(value);
            }
            _ => {}
        }
    }
    let state = lock(&shared.state);
    let webhooks: Vec<Value> = state
        .tenant(tenant)
        .map(|t| t.webhooks.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|w| !active_only || w.details.is_active)
        .filter(|w| event.as_ref().is_none_or(|e| w.details.events.contains(e)))
        .map(|w| {
            if statuses {
                w.to_status_json()
            } else {
                w.to_json()
            }
        })
        .collect();
    drop(state);
    Response::json(200, &json!({ "webhooks": webhooks }))
}

pub(crate) fn get(shared: &Shared, tenant: Option<&str>, id: &str) -> Response {
    let state = lock(&shared.state);
    match state.tenant(tenant).and_then(|t| t.webhook(id)) {
        Some(webhook) => Response::json(200, &webhook.to_json()),
        None => unknown_webhook(id),
    }
}

pub(crate) fn create(shared: &Shared, tenant: Option<&str>, request: &Request) -> Response {
    let result = (|| {
        let body = json_object(request)?;
        let details = parse_details(shared, body.get("details"))?;
        if details.is_active {
            return Err(bad_param(
                "details.isActive must be false when creating a webhook; activate it with PUT",
            ));
        }
        let credentials = parse_credentials(body.get("credentials"), "credentials.")?;
        let mut state = lock(&shared.state);
        let tenant = state.tenant_mut(tenant);
        check_key_name(tenant, &details)?;
        if tenant.webhooks.len() >= MAX_WEBHOOKS {
            return Err(bad_param(format!(
                "a tenant can have at most {MAX_WEBHOOKS} webhooks; delete one first"
            )));
        }
        let webhook = Webhook {
            id: uuid_v4(),
            details,
            credential_reference: credentials.as_ref().map(|_| uuid_v4()).unwrap_or_default(),
            credentials,
        };
        let answer = webhook.to_json();
        tenant.webhooks.push(webhook);
        Ok(answer)
    })();
    match result {
        Ok(answer) => Response::json(200, &answer),
        Err(response) => response,
    }
}

/// `PUT /op/webhooks/{id}`: replaces the whole definition; credentials stay as they are.
pub(crate) fn update(
    shared: &Shared,
    tenant: Option<&str>,
    id: &str,
    request: &Request,
) -> Response {
    let result = (|| {
        let body = json_object(request)?;
        match body.get("webhookId") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() || s == id => {}
            Some(_) => {
                return Err(bad_param(format!(
                    "webhookId in the body does not match the webhook {id:?} in the path"
                )))
            }
        }
        let details = parse_details(shared, body.get("details"))?;
        if details.is_active && details.events.is_empty() {
            return Err(bad_param(
                "details.events must contain at least one event type for an active webhook",
            ));
        }
        let mut state = lock(&shared.state);
        let tenant = state.tenant_mut(tenant);
        if tenant.webhook(id).is_none() {
            return Err(unknown_webhook(id));
        }
        check_key_name(tenant, &details)?;
        let webhook = tenant.webhook_mut(id).expect("presence checked above");
        webhook.details = details;
        Ok(webhook.to_json())
    })();
    match result {
        Ok(answer) => Response::json(200, &answer),
        Err(response) => response,
    }
}

pub(crate) fn delete(shared: &Shared, tenant: Option<&str>, id: &str) -> Response {
    let mut state = lock(&shared.state);
    let tenant = state.tenant_mut(tenant);
    match tenant.webhooks.iter().position(|w| w.id == id) {
        Some(index) => Response::json(200, &tenant.webhooks.remove(index).to_json()),
        None => unknown_webhook(id),
    }
}

/// `PUT /op/webhooks/{id}/credentials`: replaces the credentials and issues a new reference.
pub(crate) fn put_credentials(
    shared: &Shared,
    tenant: Option<&str>,
    id: &str,
    request: &Request,
) -> Response {
    let result = (|| {
        let body = Value::Object(json_object(request)?);
        let credentials = parse_credentials(Some(&body), "")?
            .ok_or_else(|| bad_param("credentials must contain basicAuth or accessToken"))?;
        let mut state = lock(&shared.state);
        let webhook = state
            .tenant_mut(tenant)
            .webhook_mut(id)
            .ok_or_else(|| unknown_webhook(id))?;
        webhook.credentials = Some(credentials);
        webhook.credential_reference = uuid_v4();
        Ok(webhook.to_json())
    })();
    match result {
        Ok(answer) => Response::json(200, &answer),
        Err(response) => response,
    }
}

pub(crate) fn delete_credentials(shared: &Shared, tenant: Option<&str>, id: &str) -> Response {
    let mut state = lock(&shared.state);
    match state.tenant_mut(tenant).webhook_mut(id) {
        Some(webhook) => {
            webhook.credentials = None;
            webhook.credential_reference = String::new();
            Response::json(200, &webhook.to_json())
        }
        None => unknown_webhook(id),
    }
}

/// `POST /op/webhooks/{id}/testEvent`: one notification, without retries, to an active or
/// inactive webhook, whether or not it listens for the event type.
pub(crate) fn test_event(
    shared: &Shared,
    tenant: Option<&str>,
    id: &str,
    request: &Request,
) -> Response {
    let body = match json_object(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let event_type = match body.get("eventType") {
        Some(Value::String(s)) => s.clone(),
        _ => return bad_param("eventType is missing or not a string"),
    };
    if let Err(response) = check_event_type(shared, &event_type, "eventType") {
        return response;
    }
    let target = {
        let state = lock(&shared.state);
        let Some(t) = state.tenant(tenant) else {
            return unknown_webhook(id);
        };
        match t.webhook(id) {
            Some(webhook) => DeliveryTarget::new(t, webhook),
            None => return unknown_webhook(id),
        }
    };
    // Visier does not document the response when the receiver cannot be reached or the target
    // is not allowed, so the emulator returns 200 with statusCode 0 and the reason in message.
    let result = delivery::send_test_event(shared, tenant, &target, &event_type);
    Response::json(
        200,
        &json!({
            "statusCode": result.delivery.status.unwrap_or(0),
            "message": result.message,
            "messageId": uuid_v4(),
            "eventId": result.delivery.event_id,
        }),
    )
}
