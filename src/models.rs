//! Request and response bodies of the Visier Webhooks and Encryption Keys APIs.
//!
//! Field names follow the wire format (camelCase). Every object keeps the fields it does not
//! know in `extra`, and serializes them back unchanged, so a read-modify-write never drops a
//! field that a newer server added. Secrets (passwords, access tokens, key values) are
//! [`Secret`]s, whose `Debug` output is redacted.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::secret::Secret;

/// Fields of a JSON object that the model does not name, kept as received.
pub type ExtraFields = Map<String, Value>;

/// Event type that a webhook listens for, or that a notification reports.
///
/// The ten documented values have their own variants. Any other value, such as a type that
/// Visier added after this crate was released, is kept as received in [`EventType::Other`] and
/// sent back unchanged.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// `jobResultSuccess`: a job completed successfully.
    JobResultSuccess,
    /// `jobResultFailure`: a job failed to complete.
    JobResultFailure,
    /// `jobReschedule`: a job was rescheduled.
    JobReschedule,
    /// `dvPublish`: a data version was published to production.
    DvPublish,
    /// `alertNotification`: a personalized alert notification was triggered.
    AlertNotification,
    /// `smartCompNotification`: a Smart Compensation event notification was triggered.
    SmartCompNotification,
    /// `dataUploadNotification`: a data file was uploaded.
    DataUploadNotification,
    /// `systemAlertNotification`: a system event alert notification was triggered.
    SystemAlertNotification,
    /// `planRowPromotionNotification`: a row in a plan was promoted.
    PlanRowPromotionNotification,
    /// `auditEvent`: an audit event was triggered.
    AuditEvent,
    /// Any other value, exactly as received.
    Other(String),
}

impl EventType {
    /// The ten event types that Visier documents, in the order of its documentation.
    pub const DOCUMENTED: [EventType; 10] = [
        EventType::JobResultSuccess,
        EventType::JobResultFailure,
        EventType::JobReschedule,
        EventType::DvPublish,
        EventType::AlertNotification,
        EventType::SmartCompNotification,
        EventType::DataUploadNotification,
        EventType::SystemAlertNotification,
        EventType::PlanRowPromotionNotification,
        EventType::AuditEvent,
    ];

    /// Returns the value as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EventType::JobResultSuccess => "jobResultSuccess",
            EventType::JobResultFailure => "jobResultFailure",
            EventType::JobReschedule => "jobReschedule",
            EventType::DvPublish => "dvPublish",
            EventType::AlertNotification => "alertNotification",
            EventType::SmartCompNotification => "smartCompNotification",
            EventType::DataUploadNotification => "dataUploadNotification",
            EventType::SystemAlertNotification => "systemAlertNotification",
            EventType::PlanRowPromotionNotification => "planRowPromotionNotification",
            EventType::AuditEvent => "auditEvent",
            EventType::Other(value) => value,
        }
    }

    /// Converts a wire value, matching the documented names exactly (case-sensitive).
    pub fn from_wire(value: &str) -> EventType {
        EventType::DOCUMENTED
            .iter()
            .find(|known| known.as_str() == value)
            .cloned()
            .unwrap_or_else(|| EventType::Other(value.to_owned()))
    }

    /// Returns `true` for one of the ten documented values.
    pub fn is_documented(&self) -> bool {
        !matches!(self, EventType::Other(_))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventType::Other(value) => write!(f, "Other({value:?})"),
            known => f.write_str(known.as_str()),
        }
    }
}

impl FromStr for EventType {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(EventType::from_wire(value))
    }
}

impl From<&str> for EventType {
    fn from(value: &str) -> Self {
        EventType::from_wire(value)
    }
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(EventType::from_wire(&value))
    }
}

/// One entry of a webhook's `events` list: `{"eventType": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventSubscription {
    /// Event type listened for.
    pub event_type: EventType,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl EventSubscription {
    /// Creates a subscription to one event type.
    pub fn new(event_type: impl Into<EventType>) -> Self {
        EventSubscription {
            event_type: event_type.into(),
            extra: ExtraFields::new(),
        }
    }
}

impl From<EventType> for EventSubscription {
    fn from(event_type: EventType) -> Self {
        EventSubscription::new(event_type)
    }
}

/// Definition of a webhook: target URL, active status, events, signing key and name.
///
/// Every field is optional on the wire. A `PUT` replaces the whole definition, so a field left
/// as `None` is removed from the webhook on the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookDetails {
    /// URL that Visier calls when an event occurs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// Whether the webhook is active. Must be `false` when the webhook is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Events the webhook listens for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventSubscription>>,
    /// Display name of the tenant encryption key (algorithm `HmacSHA256`) that signs
    /// notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// Display name of the webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl WebhookDetails {
    /// Creates inactive details for `target_url` that listen for `events`.
    pub fn new<E: Into<EventType>>(
        target_url: impl Into<String>,
        events: impl IntoIterator<Item = E>,
    ) -> Self {
        WebhookDetails {
            target_url: Some(target_url.into()),
            is_active: Some(false),
            events: Some(
                events
                    .into_iter()
                    .map(|event| EventSubscription::new(event))
                    .collect(),
            ),
            ..WebhookDetails::default()
        }
    }

    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Sets the name of the encryption key that signs notifications.
    pub fn key_name(mut self, name: impl Into<String>) -> Self {
        self.key_name = Some(name.into());
        self
    }

    /// Returns the event types listened for, in order.
    pub fn event_types(&self) -> impl Iterator<Item = &EventType> {
        self.events.iter().flatten().map(|event| &event.event_type)
    }
}

/// A webhook as the API returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook {
    /// Unique identifier of the webhook.
    #[serde(default)]
    pub webhook_id: String,
    /// Target URL, active status, events and names.
    #[serde(default)]
    pub details: WebhookDetails,
    /// Identifier of the configured credentials, `""` when the webhook has none. The
    /// credentials themselves are never returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_reference: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl Webhook {
    /// Returns `true` when the webhook has credentials configured.
    pub fn has_credentials(&self) -> bool {
        self.credential_reference
            .as_deref()
            .is_some_and(|reference| !reference.is_empty())
    }
}

/// Username and password that Visier sends as HTTP Basic authentication to the target URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BasicAuth {
    /// User name.
    pub username: String,
    /// Password; redacted in `Debug` output.
    pub password: Secret,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl BasicAuth {
    /// Creates basic-authentication credentials.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        BasicAuth {
            username: username.into(),
            password: password.into(),
            extra: ExtraFields::new(),
        }
    }
}

/// Credentials that Visier sends to the target URL: at most one of basic authentication and an
/// access token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookCredentials {
    /// Username and password, sent as `Authorization: Basic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// Access token, sent as `Authorization: Bearer`; redacted in `Debug` output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl WebhookCredentials {
    /// Creates basic-authentication credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        WebhookCredentials {
            basic_auth: Some(BasicAuth::new(username, password)),
            ..WebhookCredentials::default()
        }
    }

    /// Creates access-token credentials.
    pub fn access_token(token: impl Into<Secret>) -> Self {
        WebhookCredentials {
            access_token: Some(token.into()),
            ..WebhookCredentials::default()
        }
    }
}

/// Body of a create request: the details and optional credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookRequest {
    /// Target URL, events and names. `isActive` must be `false`.
    pub details: WebhookDetails,
    /// Credentials that Visier sends to the target URL, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<WebhookCredentials>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl WebhookRequest {
    /// Creates a request without credentials.
    pub fn new(details: WebhookDetails) -> Self {
        WebhookRequest {
            details,
            ..WebhookRequest::default()
        }
    }

    /// Sets the credentials.
    pub fn credentials(mut self, credentials: WebhookCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

/// Response of a list call: `{"webhooks": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookList {
    /// Webhooks, in the server's order.
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Active status and events of one webhook, as `/webhooks-status` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookStatusDetails {
    /// Whether the webhook is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Events the webhook listens for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventSubscription>>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Status of one webhook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookStatus {
    /// Unique identifier of the webhook.
    #[serde(default)]
    pub webhook_id: String,
    /// Active status and events.
    #[serde(default)]
    pub details: WebhookStatusDetails,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Response of the statuses call: `{"webhooks": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookStatusList {
    /// Statuses, in the server's order.
    #[serde(default)]
    pub webhooks: Vec<WebhookStatus>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Body of a test-event request: `{"eventType": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TestEventRequest {
    /// Event type to send.
    pub event_type: EventType,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Outcome of a test event: the status the receiver returned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TestEventResponse {
    /// HTTP status that the receiver returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    /// Information about the notification attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Unique identifier of the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Unique identifier of the event that was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// HMAC algorithm of an encryption key.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// `HmacSHA224`.
    HmacSha224,
    /// `HmacSHA256`, the only algorithm a webhook's `keyName` accepts.
    HmacSha256,
    /// `HmacSHA384`.
    HmacSha384,
    /// `HmacSHA512`.
    HmacSha512,
    /// Any other value, exactly as received.
    Other(String),
}

impl KeyAlgorithm {
    /// Returns the value as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            KeyAlgorithm::HmacSha224 => "HmacSHA224",
            KeyAlgorithm::HmacSha256 => "HmacSHA256",
            KeyAlgorithm::HmacSha384 => "HmacSHA384",
            KeyAlgorithm::HmacSha512 => "HmacSHA512",
            KeyAlgorithm::Other(value) => value,
        }
    }

    /// Converts a wire value, matching the documented names exactly.
    pub fn from_wire(value: &str) -> KeyAlgorithm {
        match value {
            "HmacSHA224" => KeyAlgorithm::HmacSha224,
            "HmacSHA256" => KeyAlgorithm::HmacSha256,
            "HmacSHA384" => KeyAlgorithm::HmacSha384,
            "HmacSHA512" => KeyAlgorithm::HmacSha512,
            other => KeyAlgorithm::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Other(value) => write!(f, "Other({value:?})"),
            known => f.write_str(known.as_str()),
        }
    }
}

impl Serialize for KeyAlgorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KeyAlgorithm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(KeyAlgorithm::from_wire(&value))
    }
}

/// Body of a key generation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GenerateKeyRequest {
    /// Display name: letters, digits and dashes, 6 to 36 characters.
    pub key_name: String,
    /// HMAC algorithm.
    pub algorithm: KeyAlgorithm,
    /// UTC expiry date in ISO-8601, 2 to 10 years ahead. The server's default is 2 years.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl GenerateKeyRequest {
    /// Creates a request for a key with the server's default expiry.
    pub fn new(key_name: impl Into<String>, algorithm: KeyAlgorithm) -> Self {
        GenerateKeyRequest {
            key_name: key_name.into(),
            algorithm,
            expiry_date: None,
            extra: ExtraFields::new(),
        }
    }
}

/// Metadata of an encryption key. The key's value is not part of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EncryptionKeyDetails {
    /// Display name of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// HMAC algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<KeyAlgorithm>,
    /// User who generated the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_by: Option<String>,
    /// Generation time, in milliseconds since the Unix epoch, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_generated: Option<String>,
    /// Expiry time, in milliseconds since the Unix epoch, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// A newly generated key: its metadata and its value, which the server returns only once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeneratedKey {
    /// Metadata of the key.
    #[serde(default)]
    pub detail: EncryptionKeyDetails,
    /// Value of the key; redacted in `Debug` output.
    #[serde(default)]
    pub key: Secret,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Response of the key list call: `{"keyDetails": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EncryptionKeyList {
    /// Metadata of every key.
    #[serde(default)]
    pub key_details: Vec<EncryptionKeyDetails>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

/// Response of the key delete call: `{"keyName": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeletedKey {
    /// Display name of the deleted key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}
