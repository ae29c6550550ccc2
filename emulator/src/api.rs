//! Routing of Visier's API paths, the checks every call goes through, and error responses.

use serde_json::{json, Map, Value};

use crate::auth;
use crate::http::{Request, Response};
use crate::server::{lock, Shared};
use crate::util::{percent_decode, uuid_v4};
use crate::{keys, webhooks};

/// An endpoint of the emulated API; ids and key names are percent-decoded.
enum Route {
    Webhooks,
    WebhooksStatus,
    Webhook(String),
    Credentials(String),
    TestEvent(String),
    Keys,
    Key(String),
    SecureToken,
    OAuthToken,
}

impl Route {
    fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::Webhooks | Route::Keys => &["GET", "POST"],
            Route::WebhooksStatus => &["GET"],
            Route::Webhook(_) => &["GET", "PUT", "DELETE"],
            Route::Credentials(_) => &["PUT", "DELETE"],
            Route::Key(_) => &["DELETE"],
            Route::TestEvent(_) | Route::SecureToken | Route::OAuthToken => &["POST"],
        }
    }
}

fn route(segments: &[String]) -> Option<Route> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let id = |i: usize| (!s[i].is_empty()).then(|| segments[i].clone());
    match s.as_slice() {
        ["v1" | "v1beta", "op", "webhooks"] => Some(Route::Webhooks),
        ["v1" | "v1beta", "op", "webhooks-status"] => Some(Route::WebhooksStatus),
        ["v1" | "v1beta", "op", "webhooks", _] => id(3).map(Route::Webhook),
        ["v1" | "v1beta", "op", "webhooks", _, "credentials"] => id(3).map(Route::Credentials),
        ["v1" | "v1beta", "op", "webhooks", _, "testEvent"] => id(3).map(Route::TestEvent),
        ["v1alpha", "admin", "encryption-keys"] => Some(Route::Keys),
        ["v1alpha", "admin", "encryption-keys", _] => id(3).map(Route::Key),
        ["v1", "admin", "visierSecureToken"] => Some(Route::SecureToken),
        ["v1", "auth", "oauth2", "token"] => Some(Route::OAuthToken),
        _ => None,
    }
}

/// Builds an error response with Visier's Status body and a fresh root-cause id.
pub(crate) fn status_response(status: u16, code: &str, message: impl Into<String>) -> Response {
    Response::json(
        status,
        &json!({
            "code": code,
            "localizedMessage": message.into(),
            "rci": uuid_v4(),
            "userError": status < 500,
        }),
    )
}

/// Builds a 400 response for a broken input rule.
pub(crate) fn bad_param(message: impl Into<String>) -> Response {
    status_response(400, "InvalidParam", message)
}

/// Builds a 404 response naming what was not found.
pub(crate) fn not_found(message: impl Into<String>) -> Response {
    status_response(404, "NotFound", message)
}

/// Parses the body as a JSON object, or returns a 400 response naming the problem.
pub(crate) fn json_object(request: &Request) -> Result<Map<String, Value>, Response> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_param("request body is missing: expected a JSON object"));
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_param("request body must be a JSON object")),
        Err(e) => Err(bad_param(format!("invalid JSON in request body: {e}"))),
    }
}

/// Returns the tenant named by `TargetTenantID`, or `None` for the default tenant.
pub(crate) fn tenant(request: &Request) -> Option<&str> {
    request.header("targettenantid").filter(|t| !t.is_empty())
}

fn decode_segments(path: &str) -> Result<Vec<String>, Response> {
    path[1..]
        .split('/')
        .map(|segment| {
            percent_decode(segment, false).ok_or_else(|| {
                bad_param("request path contains a percent-encoded sequence that is not UTF-8")
            })
        })
        .collect()
}

/// Handles a request to the emulated Visier API.
pub(crate) fn handle(shared: &Shared, request: &Request) -> Response {
    let key = request
        .header("apikey")
        .filter(|k| shared.config.api_keys.iter().any(|valid| valid == k));
    let rate = lock(&shared.rates).count(&shared.config, key);
    let response = route_and_handle(shared, request, key.is_some(), rate.retry_after);
    rate.apply(response)
}

fn route_and_handle(
    shared: &Shared,
    request: &Request,
    key_valid: bool,
    retry_after: Option<u64>,
) -> Response {
    let segments = match decode_segments(request.path()) {
        Ok(segments) => segments,
        Err(response) => return response,
    };
    let Some(route) = route(&segments) else {
        return not_found(format!("no API endpoint at {}", request.path()));
    };
    let methods = route.methods();
    if !methods.contains(&request.method.as_str()) {
        return status_response(
            405,
            "MethodNotAllowed",
            format!(
                "method {} is not allowed on {}",
                request.method,
                request.path()
            ),
        )
        .with_header("Allow", methods.join(", "));
    }
    // Visier's spec marks both token endpoints `security: - {}`, and its Python SDK requests a
    // security token without an API key. So there a missing key is accepted, but a wrong one
    // is not.
    let is_token_route = matches!(route, Route::SecureToken | Route::OAuthToken);
    let key_missing = request.header("apikey").is_none();
    let key_accepted = key_valid || (is_token_route && key_missing);
    if !key_accepted {
        return auth::unauthorized("missing or invalid apikey header");
    }
    if let Some(seconds) = retry_after {
        return status_response(
            429,
            "TooManyRequests",
            format!("rate limit exceeded for this API key: retry in {seconds} s"),
        )
        .with_header("Retry-After", seconds.to_string());
    }
    match route {
        Route::SecureToken => return auth::secure_token(shared, request),
        Route::OAuthToken => return auth::oauth_token(shared, request),
        _ => {}
    }
    let user = match auth::authenticate(shared, request) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let tenant = tenant(request);
    let method = request.method.as_str();
    match (route, method) {
        (Route::Webhooks, "GET") => webhooks::list(shared, tenant, request.query(), false),
        (Route::Webhooks, _) => webhooks::create(shared, tenant, request),
        (Route::WebhooksStatus, _) => webhooks::list(shared, tenant, request.query(), true),
        (Route::Webhook(id), "GET") => webhooks::get(shared, tenant, &id),
        (Route::Webhook(id), "PUT") => webhooks::update(shared, tenant, &id, request),
        (Route::Webhook(id), _) => webhooks::delete(shared, tenant, &id),
        (Route::Credentials(id), "PUT") => webhooks::put_credentials(shared, tenant, &id, request),
        (Route::Credentials(id), _) => webhooks::delete_credentials(shared, tenant, &id),
        (Route::TestEvent(id), _) => webhooks::test_event(shared, tenant, &id, request),
        (Route::Keys, "GET") => keys::list(shared, tenant),
        (Route::Keys, _) => keys::generate(shared, tenant, &user, request),
        (Route::Key(name), _) => keys::delete(shared, tenant, &name),
        (Route::SecureToken | Route::OAuthToken, _) => unreachable!("handled before"),
    }
}
