//! The emulator's own control endpoints under `/__emulator/`, which need no authentication.

use serde_json::{json, Value};

use crate::api::{bad_param, json_object, not_found, status_response};
use crate::delivery::{self, EventPayload};
use crate::fault::Fault;
use crate::http::{Request, Response};
use crate::records::Delivery;
use crate::server::Shared;

fn deliveries_json(deliveries: &[Delivery]) -> Value {
    deliveries.iter().map(Delivery::to_json).collect()
}

/// `POST /__emulator/events`: `eventType`, and optionally `event`, `rawBody` and `tenant`.
fn trigger(shared: &Shared, request: &Request) -> Response {
    let body = match json_object(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let event_type = match body.get("eventType") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return bad_param("eventType is missing or not a non-empty string"),
    };
    let tenant = match body.get("tenant") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return bad_param("tenant must be a string"),
    };
    let payload = match (body.get("rawBody"), body.get("event")) {
        (Some(Value::String(_)), Some(event)) if !event.is_null() => {
            return bad_param("send either event or rawBody, not both")
        }
        (Some(Value::String(raw)), _) => EventPayload::Raw(raw.clone().into_bytes()),
        (Some(raw), _) if !raw.is_null() => return bad_param("rawBody must be a string"),
        (_, None | Some(Value::Null)) => EventPayload::Event(None),
        (_, Some(event)) => EventPayload::Event(Some(event.clone())),
    };
    let made = delivery::trigger(shared, tenant, &event_type, payload);
    Response::json(200, &deliveries_json(&made))
}

/// Handles a request under `/__emulator/`.
pub(crate) fn handle(shared: &Shared, request: &Request) -> Response {
    let method = request.method.as_str();
    let name = &request.path()[crate::server::CONTROL_PREFIX.len()..];
    let allowed: &[&str] = match name {
        "faults" => &["POST", "DELETE"],
        "requests" | "deliveries" => &["GET"],
        "events" | "reset" => &["POST"],
        _ => return not_found(format!("no control endpoint at {}", request.path())),
    };
    if !allowed.contains(&method) {
        return status_response(
            405,
            "MethodNotAllowed",
            format!("method {method} is not allowed on {}", request.path()),
        )
        .with_header("Allow", allowed.join(", "));
    }
    match (name, method) {
        ("faults", "POST") => {
            let body = match json_object(request) {
                Ok(body) => Value::Object(body),
                Err(response) => return response,
            };
            match Fault::from_json(&body) {
                Ok(fault) => {
                    shared.inject_fault(fault);
                    Response::json(200, &json!({ "injected": true }))
                }
                Err(message) => bad_param(message),
            }
        }
        ("faults", _) => {
            shared.clear_faults();
            Response::json(200, &json!({ "cleared": true }))
        }
        ("requests", _) => {
            let records: Vec<Value> = shared.requests().iter().map(|r| r.to_json()).collect();
            Response::json(200, &Value::Array(records))
        }
        ("deliveries", _) => Response::json(200, &deliveries_json(&shared.deliveries())),
        ("events", _) => trigger(shared, request),
        _ => {
            shared.reset();
            Response::json(200, &json!({ "reset": true }))
        }
    }
}
