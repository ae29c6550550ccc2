//! The API's operations and their paths, built in one place.

use crate::config::ApiVersion;
use crate::error::{Error, Result};

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// Returns the method name, such as `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One operation of the Webhooks or Encryption Keys API, with its path parameters.
///
/// [`crate::Client::send_raw`] takes one with a raw JSON body, for callers that pass JSON
/// through untouched (the C layer and the command-line tool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint<'a> {
    /// `GET /{version}/op/webhooks`, optionally filtered.
    ListWebhooks {
        /// `isActive=true` lists active webhooks only.
        is_active: Option<bool>,
        /// `event=TYPE` lists webhooks listening for that event type.
        event: Option<&'a str>,
    },
    /// `GET /{version}/op/webhooks/{id}`.
    GetWebhook(&'a str),
    /// `POST /{version}/op/webhooks` with a `WebhookRequestDTO` body.
    CreateWebhook,
    /// `PUT /{version}/op/webhooks/{id}` with a whole `WebhookDTO` body.
    UpdateWebhook(&'a str),
    /// `PUT /{version}/op/webhooks/{id}/credentials` with a `WebhookCredentialsDTO` body.
    UpdateCredentials(&'a str),
    /// `DELETE /{version}/op/webhooks/{id}/credentials`.
    DeleteCredentials(&'a str),
    /// `DELETE /{version}/op/webhooks/{id}`.
    DeleteWebhook(&'a str),
    /// `POST /{version}/op/webhooks/{id}/testEvent` with `{"eventType": ...}`.
    SendTestEvent(&'a str),
    /// `GET /{version}/op/webhooks-status`, optionally filtered.
    ListStatuses {
        /// `isActive=true` lists active webhooks only.
        is_active: Option<bool>,
        /// `event=TYPE` lists webhooks listening for that event type.
        event: Option<&'a str>,
    },
    /// `GET /v1alpha/admin/encryption-keys`.
    ListKeys,
    /// `POST /v1alpha/admin/encryption-keys` with a `GenerateKeyRequestDTO` body.
    GenerateKey,
    /// `DELETE /v1alpha/admin/encryption-keys/{keyName}`.
    DeleteKey(&'a str),
}

/// Path prefix of the encryption-keys API, which is still alpha whatever the webhooks version.
const KEYS_PATH: &str = "/v1alpha/admin/encryption-keys";

impl Endpoint<'_> {
    /// Returns the HTTP method.
    pub fn method(&self) -> Method {
        match self {
            Endpoint::ListWebhooks { .. }
            | Endpoint::GetWebhook(_)
            | Endpoint::ListStatuses { .. }
            | Endpoint::ListKeys => Method::Get,
            Endpoint::CreateWebhook | Endpoint::SendTestEvent(_) | Endpoint::GenerateKey => {
                Method::Post
            }
            Endpoint::UpdateWebhook(_) | Endpoint::UpdateCredentials(_) => Method::Put,
            Endpoint::DeleteCredentials(_)
            | Endpoint::DeleteWebhook(_)
            | Endpoint::DeleteKey(_) => Method::Delete,
        }
    }

    /// Returns `true` when the operation takes a JSON body.
    pub fn has_body(&self) -> bool {
        matches!(
            self,
            Endpoint::CreateWebhook
                | Endpoint::UpdateWebhook(_)
                | Endpoint::UpdateCredentials(_)
                | Endpoint::SendTestEvent(_)
                | Endpoint::GenerateKey
        )
    }

    /// Returns `true` when sending the request twice has the same effect as sending it once,
    /// so that it may be retried after it reached the server.
    pub fn is_idempotent(&self) -> bool {
        self.method() != Method::Post
    }

    /// Builds the path and query, percent-encoding each id as a single path segment.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when an id or key name is empty, `.` or `..`.
    pub fn path_and_query(&self, version: ApiVersion) -> Result<String> {
        let webhooks = format!("/{}/op/webhooks", version.as_str());
        let path = match *self {
            Endpoint::ListWebhooks { is_active, event } => {
                return Ok(webhooks + &query(is_active, event))
            }
            Endpoint::ListStatuses { is_active, event } => {
                return Ok(format!(
                    "/{}/op/webhooks-status{}",
                    version.as_str(),
                    query(is_active, event)
                ))
            }
            Endpoint::CreateWebhook => webhooks,
            Endpoint::GetWebhook(id)
            | Endpoint::UpdateWebhook(id)
            | Endpoint::DeleteWebhook(id) => {
                format!("{webhooks}/{}", segment("webhook id", id)?)
            }
            Endpoint::UpdateCredentials(id) | Endpoint::DeleteCredentials(id) => {
                format!("{webhooks}/{}/credentials", segment("webhook id", id)?)
            }
            Endpoint::SendTestEvent(id) => {
                format!("{webhooks}/{}/testEvent", segment("webhook id", id)?)
            }
            Endpoint::ListKeys | Endpoint::GenerateKey => KEYS_PATH.to_owned(),
            Endpoint::DeleteKey(name) => format!("{KEYS_PATH}/{}", segment("key name", name)?),
        };
        Ok(path)
    }
}

fn query(is_active: Option<bool>, event: Option<&str>) -> String {
    let mut pairs = Vec::new();
    if let Some(active) = is_active {
        pairs.push(format!("isActive={active}"));
    }
    if let Some(event) = event {
        pairs.push(format!("event={}", percent_encode(event)));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Percent-encodes `value` as one path segment, rejecting values that a server would read as
/// no segment or as a step up the path.
pub(crate) fn segment(what: &str, value: &str) -> Result<String> {
    match value {
        "" => Err(Error::InvalidInput(format!(
            "{what} is empty: pass the {what} returned by the API"
        ))),
        "." | ".." => Err(Error::InvalidInput(format!(
            "{what} {value:?} is not allowed, because it would address another path"
        ))),
        _ => Ok(percent_encode(value)),
    }
}

/// Percent-encodes every byte except RFC 3986's unreserved characters, so `/`, `?`, `#` and
/// `%` cannot change the meaning of a path or query.
pub(crate) fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 0xF) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_encoded_segment() {
        let cases = [
            ("abc#x", "/v1/op/webhooks/abc%23x"),
            ("abc?x=1", "/v1/op/webhooks/abc%3Fx%3D1"),
            ("a/b", "/v1/op/webhooks/a%2Fb"),
            ("../admin", "/v1/op/webhooks/..%2Fadmin"),
            ("100%", "/v1/op/webhooks/100%25"),
            ("é", "/v1/op/webhooks/%C3%A9"),
        ];
        for (id, expected) in cases {
            let path = Endpoint::GetWebhook(id)
                .path_and_query(ApiVersion::V1)
                .unwrap();
            assert_eq!(path, expected, "id {id:?}");
        }
    }

    #[test]
    fn dot_segments_and_empty_ids_are_rejected() {
        for id in ["", ".", ".."] {
            let error = Endpoint::DeleteWebhook(id)
                .path_and_query(ApiVersion::V1)
                .unwrap_err();
            assert!(matches!(error, Error::InvalidInput(_)), "{id:?}: {error}");
        }
        assert!(Endpoint::DeleteKey("..")
            .path_and_query(ApiVersion::V1)
            .is_err());
    }

    #[test]
    fn list_query_is_encoded() {
        let path = Endpoint::ListWebhooks {
            is_active: Some(true),
            event: Some("a&b=c"),
        }
        .path_and_query(ApiVersion::V1Beta)
        .unwrap();
        assert_eq!(path, "/v1beta/op/webhooks?isActive=true&event=a%26b%3Dc");
    }
}
