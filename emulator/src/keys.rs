//! Handlers of the encryption-key endpoints.

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::api::{bad_param, json_object, not_found};
use crate::http::{Request, Response};
use crate::server::{lock, Shared};
use crate::state::{EncryptionKey, MAX_KEYS};
use crate::util::{add_years_ms, epoch_ms, fill_random, parse_iso8601_ms};

const ALGORITHMS: [&str; 4] = ["HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512"];
/// Tolerance on the 2-to-10-year expiry range, so that a client computing "two years from
/// now" a moment before the emulator reads the request is not rejected.
const EXPIRY_TOLERANCE_MS: i64 = 86_400_000;

fn valid_key_name(name: &str) -> bool {
    (6..=36).contains(&name.len()) && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

pub(crate) fn list(shared: &Shared, tenant: Option<&str>) -> Response {
    let state = lock(&shared.state);
    let details: Vec<Value> = state
        .tenant(tenant)
        .map(|t| t.keys.iter().map(EncryptionKey::to_json).collect())
        .unwrap_or_default();
    drop(state);
    Response::json(200, &json!({ "keyDetails": details }))
}

/// Generates a key of 32 random bytes, whose base64 value only this response contains.
pub(crate) fn generate(
    shared: &Shared,
    tenant: Option<&str>,
    user: &str,
    request: &Request,
) -> Response {
    let result = (|| {
        let body = json_object(request)?;
        let name = match body.get("keyName") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => return Err(bad_param("keyName is missing")),
            Some(_) => return Err(bad_param("keyName must be a string")),
        };
        if !valid_key_name(&name) {
            return Err(bad_param(format!(
                "keyName {name:?} is invalid: use 6 to 36 letters, digits or dashes"
            )));
        }
        let algorithm = match body.get("algorithm") {
            Some(Value::String(s)) if ALGORITHMS.contains(&s.as_str()) => s.clone(),
            None | Some(Value::Null) => return Err(bad_param("algorithm is missing")),
            Some(other) => {
                return Err(bad_param(format!(
                    "algorithm {other} is invalid; valid values: {}",
                    ALGORITHMS.join(", ")
                )))
            }
        };
        let now = epoch_ms(SystemTime::now());
        let expiry_ms = match body.get("expiryDate") {
            None | Some(Value::Null) => add_years_ms(now, 2),
            Some(Value::String(s)) if s.is_empty() => add_years_ms(now, 2),
            Some(Value::String(s)) => {
                let expiry = parse_iso8601_ms(s).ok_or_else(|| {
                    bad_param(format!(
                        "expiryDate {s:?} is not an ISO-8601 date such as 2030-01-31T00:00:00Z"
                    ))
                })?;
                let earliest = add_years_ms(now, 2) - EXPIRY_TOLERANCE_MS;
                let latest = add_years_ms(now, 10) + EXPIRY_TOLERANCE_MS;
                if expiry < earliest || expiry > latest {
                    return Err(bad_param(format!(
                        "expiryDate {s:?} must be between 2 and 10 years from now"
                    )));
                }
                expiry
            }
            Some(_) => return Err(bad_param("expiryDate must be a string")),
        };
        let mut value = [0u8; 32];
        fill_random(&mut value);
        let key = EncryptionKey {
            name,
            algorithm,
            generated_by: user.to_owned(),
            date_generated_ms: now,
            expiry_ms,
            value: STANDARD.encode(value),
        };
        let mut state = lock(&shared.state);
        let tenant = state.tenant_mut(tenant);
        if tenant.key(&key.name).is_some() {
            return Err(bad_param(format!(
                "keyName {:?} is already used by another encryption key",
                key.name
            )));
        }
        if tenant.keys.len() >= MAX_KEYS {
            return Err(bad_param(format!(
                "a tenant can have at most {MAX_KEYS} encryption keys; delete one first"
            )));
        }
        let answer = json!({ "detail": key.to_json(), "key": key.value });
        tenant.keys.push(key);
        Ok(answer)
    })();
    match result {
        Ok(answer) => Response::json(200, &answer),
        Err(response) => response,
    }
}

pub(crate) fn delete(shared: &Shared, tenant: Option<&str>, name: &str) -> Response {
    let mut state = lock(&shared.state);
    let tenant = state.tenant_mut(tenant);
    match tenant.keys.iter().position(|k| k.name == name) {
        Some(index) => {
            tenant.keys.remove(index);
            Response::json(200, &json!({ "keyName": name }))
        }
        None => not_found(format!("encryption key {name:?} not found")),
    }
}
