//! In-memory state per tenant: webhooks and encryption keys, and their JSON forms.

use std::collections::HashMap;
use std::fmt;

use serde_json::{json, Map, Value};

/// The ten event types Visier documents.
pub(crate) const EVENT_TYPES: [&str; 10] = [
    "jobResultSuccess",
    "jobResultFailure",
    "jobReschedule",
    "dvPublish",
    "alertNotification",
    "smartCompNotification",
    "dataUploadNotification",
    "systemAlertNotification",
    "planRowPromotionNotification",
    "auditEvent",
];

/// Maximum number of webhooks per tenant.
pub(crate) const MAX_WEBHOOKS: usize = 20;
/// Maximum number of encryption keys per tenant.
pub(crate) const MAX_KEYS: usize = 5;

/// Credentials the emulator sends to a webhook's target; never returned by the API.
#[derive(Clone)]
pub(crate) enum Credentials {
    Basic { username: String, password: String },
    AccessToken(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            Credentials::AccessToken(_) => f.write_str("AccessToken(***)"),
        }
    }
}

/// A webhook's replaceable definition; absent optional fields are omitted from responses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Details {
    pub target_url: Option<String>,
    pub is_active: bool,
    pub events: Vec<String>,
    pub key_name: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub id: String,
    pub details: Details,
    pub credentials: Option<Credentials>,
    /// A fresh id each time credentials are set, "" when there are none.
    pub credential_reference: String,
}

#[derive(Debug, Clone)]
pub(crate) struct EncryptionKey {
    pub name: String,
    pub algorithm: String,
    pub generated_by: String,
    pub date_generated_ms: i64,
    pub expiry_ms: i64,
    /// The base64 key value, returned once by generate and used to sign notifications.
    pub value: String,
}

#[derive(Debug, Default)]
pub(crate) struct Tenant {
    pub webhooks: Vec<Webhook>,
    pub keys: Vec<EncryptionKey>,
}

impl Tenant {
    pub fn webhook(&self, id: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| w.id == id)
    }

    pub fn webhook_mut(&mut self, id: &str) -> Option<&mut Webhook> {
        self.webhooks.iter_mut().find(|w| w.id == id)
    }

    pub fn key(&self, name: &str) -> Option<&EncryptionKey> {
        self.keys.iter().find(|k| k.name == name)
    }
}

/// All tenants; the key `None` is the default tenant (no `TargetTenantID` header).
#[derive(Debug, Default)]
pub(crate) struct State {
    tenants: HashMap<Option<String>, Tenant>,
}

impl State {
    /// Returns the tenant, or `None` when it has never been written to.
    pub fn tenant(&self, tenant: Option<&str>) -> Option<&Tenant> {
        self.tenants.get(&tenant.map(str::to_owned))
    }

    /// Returns the tenant, creating it empty on first use.
    pub fn tenant_mut(&mut self, tenant: Option<&str>) -> &mut Tenant {
        self.tenants.entry(tenant.map(str::to_owned)).or_default()
    }

    pub fn webhooks_json(&self, tenant: Option<&str>) -> Vec<Value> {
        self.tenant(tenant)
            .map(|t| t.webhooks.iter().map(Webhook::to_json).collect())
            .unwrap_or_default()
    }
}

fn events_json(events: &[String]) -> Value {
    events.iter().map(|e| json!({ "eventType": e })).collect()
}

impl Webhook {
    /// Returns the webhook as the API returns it: credentials appear only as a reference.
    pub fn to_json(&self) -> Value {
        let d = &self.details;
        let mut details = Map::new();
        details.insert(
            "targetUrl".to_owned(),
            Value::from(d.target_url.clone().unwrap_or_default()),
        );
        details.insert("isActive".to_owned(), Value::from(d.is_active));
        details.insert("events".to_owned(), events_json(&d.events));
        if let Some(key_name) = &d.key_name {
            details.insert("keyName".to_owned(), Value::from(key_name.clone()));
        }
        if let Some(display_name) = &d.display_name {
            details.insert("displayName".to_owned(), Value::from(display_name.clone()));
        }
        json!({
            "webhookId": self.id,
            "details": details,
            "credentialReference": self.credential_reference,
        })
    }

    /// Returns the webhook as `GET /op/webhooks-status` returns it.
    pub fn to_status_json(&self) -> Value {
        json!({
            "webhookId": self.id,
            "details": {
                "isActive": self.details.is_active,
                "events": events_json(&self.details.events),
            },
        })
    }
}

impl EncryptionKey {
    /// Returns the key's details, without its value.
    pub fn to_json(&self) -> Value {
        json!({
            "keyName": self.name,
            "algorithm": self.algorithm,
            "generatedBy": self.generated_by,
            "dateGenerated": self.date_generated_ms.to_string(),
            "expiryDate": self.expiry_ms.to_string(),
        })
    }
}
