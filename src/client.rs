//! The client and its operations.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::Tokens;
use crate::config::{ApiVersion, ClientBuilder};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::models::{
    DeletedKey, EncryptionKeyList, EventType, GenerateKeyRequest, GeneratedKey, TestEventRequest,
    TestEventResponse, Webhook, WebhookCredentials, WebhookDetails, WebhookList, WebhookRequest,
    WebhookStatusList,
};
use crate::secret::Secret;
use crate::transport::{BaseUrl, Request, Transport};

/// Blocking client of the Visier Webhooks API.
///
/// Cloning is cheap and clones share one connection pool and one token, so a client can be
/// used from many threads at once. Every call blocks until it has a response, an error, or its
/// timeouts and retries run out.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    tokens: Tokens,
    api_key: Secret,
    target_tenant_id: Option<String>,
    api_version: ApiVersion,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.inner.transport.base.as_str())
            .field("api_version", &self.inner.api_version)
            .field("target_tenant_id", &self.inner.target_tenant_id)
            .finish_non_exhaustive()
    }
}

/// Filters of the list and status calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilter {
    /// `true` lists only active webhooks. `false` or `None` lists all of them.
    pub is_active: Option<bool>,
    /// Lists only webhooks listening for this event type.
    pub event: Option<EventType>,
}

impl ListFilter {
    /// Creates a filter that lists every webhook.
    pub fn new() -> Self {
        ListFilter::default()
    }

    /// Lists only active webhooks.
    pub fn active_only(mut self) -> Self {
        self.is_active = Some(true);
        self
    }

    /// Lists only webhooks listening for `event`.
    pub fn event(mut self, event: impl Into<EventType>) -> Self {
        self.event = Some(event.into());
        self
    }
}

impl Client {
    /// Returns a builder with every default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Creates a client from the `VISIER_*` environment variables; see
    /// [`ClientBuilder::from_env`].
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_builder(builder: ClientBuilder) -> Result<Client> {
        let host = match (&builder.host, &builder.vanity) {
            (Some(host), _) => host.clone(),
            (None, Some(vanity)) => {
                if vanity.is_empty()
                    || !vanity
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err(Error::Config(format!(
                        "invalid vanity name {vanity:?}: use the tenant's vanity name, made of \
                         letters, digits and dashes"
                    )));
                }
                format!("https://{vanity}.api.visier.io")
            }
            (None, None) => {
                return Err(Error::Config(
                    "missing host: call ClientBuilder::host or ClientBuilder::vanity (or set \
                     VISIER_HOST or VISIER_VANITY)"
                        .into(),
                ))
            }
        };
        let api_key = builder
            .api_key
            .clone()
            .filter(|key| !key.is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "missing API key: call ClientBuilder::api_key (or set VISIER_APIKEY)".into(),
                )
            })?;
        let auth = builder.auth.clone().ok_or_else(|| {
            Error::Config(
                "missing authentication: call ClientBuilder::auth (or set VISIER_USERNAME and \
                 VISIER_PASSWORD, VISIER_SECURITY_TOKEN or VISIER_ACCESS_TOKEN)"
                    .into(),
            )
        })?;
        builder.check_values()?;
        let base = BaseUrl::parse(&host, builder.allow_insecure_http)?;
        let transport = Transport::new(&builder, base)?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                tokens: Tokens::new(auth, builder.vanity.clone()),
                api_key,
                target_tenant_id: builder.target_tenant_id.clone(),
                api_version: builder.api_version,
            }),
        })
    }

    /// Returns the API base URL in use.
    pub fn host(&self) -> &str {
        self.inner.transport.base.as_str()
    }

    /// Returns the path version of the webhook endpoints.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.api_version
    }

    /// Lists the webhooks, optionally only active ones or only those listening for an event.
    pub fn list_webhooks(&self, filter: &ListFilter) -> Result<Vec<Webhook>> {
        let event = filter.event.as_ref().map(EventType::as_str);
        let list: WebhookList = self.call(
            Endpoint::ListWebhooks {
                is_active: filter.is_active,
                event,
            },
            None::<&()>,
        )?;
        Ok(list.webhooks)
    }

    /// Returns one webhook. A webhook id that does not exist gives an [`Error::Api`] with
    /// status 404.
    pub fn get_webhook(&self, webhook_id: &str) -> Result<Webhook> {
        self.call(Endpoint::GetWebhook(webhook_id), None::<&()>)
    }

    /// Creates a webhook. Visier requires `details.is_active` to be `false` on creation;
    /// activate it afterwards with [`Client::modify_webhook`].
    ///
    /// A create is never sent twice once it may have reached the server: when its outcome is
    /// unknown the error is [`Error::OutcomeUnknown`].
    pub fn create_webhook(&self, request: &WebhookRequest) -> Result<Webhook> {
        self.call(Endpoint::CreateWebhook, Some(request))
    }

    /// Replaces a webhook's whole definition with `webhook` (`PUT`).
    ///
    /// Any field left out of `webhook.details` is **removed** from the webhook. To change a few
    /// fields and keep the rest, use [`Client::modify_webhook`]. Credentials are not changed by
    /// this call; use [`Client::update_credentials`].
    pub fn update_webhook(&self, webhook_id: &str, webhook: &Webhook) -> Result<Webhook> {
        self.call(Endpoint::UpdateWebhook(webhook_id), Some(webhook))
    }

    /// Changes a webhook by read-modify-write: gets the webhook, lets `change` edit it, and
    /// sends the whole result back with [`Client::update_webhook`].
    ///
    /// Every field that `change` does not touch is sent back as it was read, including fields
    /// this crate does not know. Two writers changing the same webhook at once can still
    /// overwrite each other, because the API has no version check.
    pub fn modify_webhook(
        &self,
        webhook_id: &str,
        change: impl FnOnce(&mut WebhookDetails),
    ) -> Result<Webhook> {
        let mut webhook = self.get_webhook(webhook_id)?;
        change(&mut webhook.details);
        self.update_webhook(webhook_id, &webhook)
    }

    /// Replaces a webhook's credentials: basic authentication or an access token.
    pub fn update_credentials(
        &self,
        webhook_id: &str,
        credentials: &WebhookCredentials,
    ) -> Result<Webhook> {
        self.call(Endpoint::UpdateCredentials(webhook_id), Some(credentials))
    }

    /// Removes a webhook's credentials. The response has an empty `credentialReference`.
    pub fn delete_credentials(&self, webhook_id: &str) -> Result<Webhook> {
        self.call(Endpoint::DeleteCredentials(webhook_id), None::<&()>)
    }

    /// Deletes a webhook and returns its last definition.
    pub fn delete_webhook(&self, webhook_id: &str) -> Result<Webhook> {
        self.call(Endpoint::DeleteWebhook(webhook_id), None::<&()>)
    }

    /// Sends a test event to the webhook's target URL and returns the status that the receiver returned.
    ///
    /// Like a create, it is never sent twice once it may have reached the server.
    pub fn send_test_event(
        &self,
        webhook_id: &str,
        event_type: impl Into<EventType>,
    ) -> Result<TestEventResponse> {
        let request = TestEventRequest {
            event_type: event_type.into(),
            extra: Default::default(),
        };
        self.call(Endpoint::SendTestEvent(webhook_id), Some(&request))
    }

    /// Lists the active status and events of the webhooks (`/webhooks-status`), which needs no
    /// special capability.
    pub fn list_webhook_statuses(&self, filter: &ListFilter) -> Result<WebhookStatusList> {
        let event = filter.event.as_ref().map(EventType::as_str);
        self.call(
            Endpoint::ListStatuses {
                is_active: filter.is_active,
                event,
            },
            None::<&()>,
        )
    }

    /// Generates an encryption key. The response is the only time the key's value is returned:
    /// store it to verify notification signatures.
    pub fn generate_key(&self, request: &GenerateKeyRequest) -> Result<GeneratedKey> {
        self.call(Endpoint::GenerateKey, Some(request))
    }

    /// Lists the tenant's encryption keys (metadata only, never the values).
    pub fn list_keys(&self) -> Result<EncryptionKeyList> {
        self.call(Endpoint::ListKeys, None::<&()>)
    }

    /// Deletes an encryption key by name.
    pub fn delete_key(&self, key_name: &str) -> Result<DeletedKey> {
        self.call(Endpoint::DeleteKey(key_name), None::<&()>)
    }

    /// Sends one operation with a raw JSON body and returns the raw 2xx body, untouched.
    ///
    /// `body` must be given exactly when [`Endpoint::has_body`] is `true`. It is checked to be
    /// valid JSON before sending, but otherwise sent as given, so fields unknown to this crate
    /// pass through both ways. The response body is checked to be valid JSON too: a body that
    /// is not gives [`Error::Decode`].
    pub fn send_raw(&self, endpoint: Endpoint<'_>, body: Option<&[u8]>) -> Result<Vec<u8>> {
        match (endpoint.has_body(), body) {
            (true, None) => {
                return Err(Error::InvalidInput(format!(
                    "{endpoint:?} needs a JSON body"
                )))
            }
            (false, Some(_)) => {
                return Err(Error::InvalidInput(format!(
                    "{endpoint:?} takes no body; pass None"
                )))
            }
            (true, Some(bytes)) => {
                if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                    return Err(Error::InvalidInput(format!(
                        "request body is not valid JSON: {error}"
                    )));
                }
            }
            (false, None) => {}
        }
        let bytes = self.execute(endpoint, body)?;
        if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            return Err(Error::Decode {
                method: endpoint.method().as_str(),
                path: endpoint.path_and_query(self.inner.api_version)?,
                detail: format!("the response is not valid JSON: {error}"),
                body_excerpt: excerpt(endpoint, &bytes),
            });
        }
        Ok(bytes)
    }

    fn call<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint<'_>,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        let encoded = match body {
            Some(value) => Some(serde_json::to_vec(value).map_err(|error| {
                Error::InvalidInput(format!("request body cannot be serialized: {error}"))
            })?),
            None => None,
        };
        let path = endpoint.path_and_query(self.inner.api_version)?;
        let bytes = self.execute(endpoint, encoded.as_deref())?;
        serde_json::from_slice(&bytes).map_err(|error| Error::Decode {
            method: endpoint.method().as_str(),
            path,
            detail: error.to_string(),
            body_excerpt: excerpt(endpoint, &bytes),
        })
    }

    fn execute(&self, endpoint: Endpoint<'_>, body: Option<&[u8]>) -> Result<Vec<u8>> {
        let path = endpoint.path_and_query(self.inner.api_version)?;
        let base_headers = self.base_headers();
        let tokens = &self.inner.tokens;
        let transport = &self.inner.transport;

        let mut renewed = false;
        loop {
            let credential = tokens.credential(transport, &base_headers)?;
            let mut headers = base_headers.clone();
            headers.push(credential.header);
            let request = Request {
                method: endpoint.method(),
                path: &path,
                headers,
                body: body.map(|bytes| ("application/json", bytes)),
                idempotent: endpoint.is_idempotent(),
            };
            match transport.send(&request) {
                Ok(response) => {
                    debug_assert!((200..300).contains(&response.status));
                    return Ok(response.body);
                }
                Err(error) if error.status() == Some(401) && tokens.can_renew() && !renewed => {
                    // The token expired or was revoked: fetch one new token, repeat once. A
                    // second 401 is returned as the error.
                    log::debug!(
                        "{} {path} got 401; fetching a new token and repeating once",
                        endpoint.method().as_str()
                    );
                    tokens.invalidate(credential.generation);
                    renewed = true;
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn base_headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("apikey", self.inner.api_key.expose().to_owned()),
            ("accept", "application/json".to_owned()),
        ];
        if let Some(tenant) = &self.inner.target_tenant_id {
            headers.push(("targettenantid", tenant.clone()));
        }
        headers
    }
}

/// Returns at most 512 bytes of a body, as lossy text, for error messages. The body of a key
/// generation may contain the key's value, so none of it is kept.
fn excerpt(endpoint: Endpoint<'_>, bytes: &[u8]) -> String {
    if endpoint == Endpoint::GenerateKey {
        return String::new();
    }
    let end = bytes.len().min(512);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
