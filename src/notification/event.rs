//! The JSON envelope of a notification and the typed events inside it.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::{EventType, ExtraFields};

/// Error of parsing a notification body.
#[derive(Debug, thiserror::Error)]
#[error("invalid notification body: {source}")]
pub struct ParseError {
    #[source]
    source: serde_json::Error,
}

/// A notification that Visier sends to a webhook's target URL.
///
/// The body is `{"timestamp": "...", "eventId": "...", "eventType": "...", "event": {...}}`.
/// Every field is kept as received, apart from a numeric `timestamp`, which is kept as its
/// decimal text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Notification {
    /// Time of the event in milliseconds since the Unix epoch, as decimal text. Visier sends a
    /// string; a JSON number is accepted too and stored as its text.
    #[serde(
        default,
        deserialize_with = "deserialize_timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<String>,
    /// Unique identifier of the event.
    pub event_id: String,
    /// Event type exactly as received, such as `jobResultSuccess` or `ALERT_NOTIFICATION`.
    /// [`Notification::kind`] returns it normalized.
    pub event_type: String,
    /// Payload of the event, `null` when the envelope has none.
    #[serde(default)]
    pub event: Value,
    /// Envelope fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl Notification {
    /// Parses a notification body.
    ///
    /// # Errors
    ///
    /// [`ParseError`] when the body is not a JSON object with string fields `eventId` and
    /// `eventType`, or when `timestamp` is neither a string, a number nor `null`.
    pub fn parse(body: &[u8]) -> Result<Notification, ParseError> {
        serde_json::from_slice(body).map_err(|source| ParseError { source })
    }

    /// Returns the timestamp in milliseconds since the Unix epoch, or `None` when it is missing
    /// or not an integer.
    pub fn timestamp_millis(&self) -> Option<i64> {
        self.timestamp.as_deref()?.parse().ok()
    }

    /// Returns the event type normalized with [`normalize_event_type`].
    pub fn kind(&self) -> EventType {
        normalize_event_type(&self.event_type)
    }

    /// Returns the payload of a `jobResultSuccess`, `jobResultFailure` or `jobReschedule`
    /// event, or `None` for another type or a payload that is not a JSON object.
    pub fn job_event(&self) -> Option<JobEvent> {
        match self.kind() {
            EventType::JobResultSuccess
            | EventType::JobResultFailure
            | EventType::JobReschedule => self.event.as_object().map(JobEvent::from_object),
            _ => None,
        }
    }

    /// Returns the payload of an `alertNotification` event, or `None` for another type or a
    /// payload that is not a JSON object.
    pub fn alert(&self) -> Option<AlertEvent> {
        match self.kind() {
            EventType::AlertNotification => self.event.as_object().map(AlertEvent::from_object),
            _ => None,
        }
    }

    /// Returns the envelope as JSON in the spelling of the subscription API.
    ///
    /// `eventType` becomes the subscription name when [`Notification::kind`] recognizes it
    /// (`ALERT_NOTIFICATION` becomes `alertNotification`) and stays as received otherwise.
    /// For job events, a `jobid` field of the payload becomes `jobId` unless `jobId` is also
    /// present. A numeric `timestamp` is written as a string. Every other field is unchanged.
    pub fn normalized_json(&self) -> Value {
        let mut envelope = Map::new();
        if let Some(timestamp) = &self.timestamp {
            envelope.insert("timestamp".to_owned(), Value::String(timestamp.clone()));
        }
        envelope.insert("eventId".to_owned(), Value::String(self.event_id.clone()));
        envelope.insert(
            "eventType".to_owned(),
            Value::String(self.kind().as_str().to_owned()),
        );

        let event = match self.job_event() {
            Some(job) => job.to_json(),
            None => self.event.clone(),
        };
        envelope.insert("event".to_owned(), event);

        for (name, value) in &self.extra {
            envelope
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        Value::Object(envelope)
    }
}

/// Accepts a timestamp as a string or a number, and `null` or a missing field as `None`.
fn deserialize_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    struct TimestampVisitor;

    impl<'de> Visitor<'de> for TimestampVisitor {
        type Value = Option<String>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("epoch milliseconds as a string or a number")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(Some(value.to_owned()))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(Some(value.to_string()))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(Some(value.to_string()))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
            Ok(Some(value.to_string()))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(TimestampVisitor)
}

/// Normalizes an event type name from a notification to an [`EventType`].
///
/// A documented name matches case-insensitively (`JobResultSuccess`, `jobresultsuccess`), and
/// so does its snake-case spelling with an underscore at each word boundary, which Visier uses
/// in some notifications (`ALERT_NOTIFICATION`, `JOB_RESULT_SUCCESS`). Any other name, such as
/// `JOBRESULT_SUCCESS` or a type added after this crate, is returned as
/// [`EventType::Other`] unchanged.
pub fn normalize_event_type(name: &str) -> EventType {
    EventType::DOCUMENTED
        .iter()
        .find(|known| {
            let documented = known.as_str();
            name.eq_ignore_ascii_case(documented)
                || name.eq_ignore_ascii_case(&to_upper_snake_case(documented))
        })
        .cloned()
        .unwrap_or_else(|| EventType::Other(name.to_owned()))
}

/// Converts a camel-case name to upper snake case: `jobResultSuccess` to `JOB_RESULT_SUCCESS`.
fn to_upper_snake_case(camel_case: &str) -> String {
    let mut snake_case = String::with_capacity(camel_case.len() + 4);
    for character in camel_case.chars() {
        if character.is_ascii_uppercase() {
            snake_case.push('_');
        }
        snake_case.push(character.to_ascii_uppercase());
    }
    snake_case
}

/// Removes `name` from `object` and returns it when its value is a string. A value of any
/// other type stays in `object`.
fn take_string(object: &mut Map<String, Value>, name: &str) -> Option<String> {
    match object.remove(name) {
        Some(Value::String(text)) => Some(text),
        Some(other) => {
            object.insert(name.to_owned(), other);
            None
        }
        None => None,
    }
}

/// Payload of a job event: `jobResultSuccess`, `jobResultFailure` or `jobReschedule`.
///
/// A named field whose value is not a string stays in `extra` under its own name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobEvent {
    /// Identifier of the job, from `jobId`, or from `jobid` (the spelling of Visier's own
    /// example) when `jobId` is absent. A `jobid` next to `jobId` stays in `extra`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Identifier of the top-level job that led to this one (`rootJobId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_job_id: Option<String>,
    /// Identifier of the job that started this one (`parentJobId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_job_id: Option<String>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl JobEvent {
    fn from_object(object: &Map<String, Value>) -> JobEvent {
        let mut fields = object.clone();
        let job_id = if fields.contains_key("jobId") {
            take_string(&mut fields, "jobId")
        } else {
            take_string(&mut fields, "jobid")
        };
        JobEvent {
            job_id,
            root_job_id: take_string(&mut fields, "rootJobId"),
            parent_job_id: take_string(&mut fields, "parentJobId"),
            extra: fields,
        }
    }

    /// Returns the payload as JSON, with the job identifier spelled `jobId`.
    fn to_json(&self) -> Value {
        let mut object = self.extra.clone();
        let named = [
            ("jobId", &self.job_id),
            ("rootJobId", &self.root_job_id),
            ("parentJobId", &self.parent_job_id),
        ];
        for (name, value) in named {
            if let Some(value) = value {
                object.insert(name.to_owned(), Value::String(value.clone()));
            }
        }
        Value::Object(object)
    }
}

/// Payload of an `alertNotification` event.
///
/// A named field whose value is not of the type below stays in `extra` under its own name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AlertEvent {
    /// Identifier of the user who receives the alert (`recipientId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    /// Code of the tenant that raised the alert (`tenantCode`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_code: Option<String>,
    /// Identifier of this notification of the alert (`alertNotificationId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_notification_id: Option<String>,
    /// Identifier of the alert definition (`alertId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<String>,
    /// Creation time of the alert notification, as received (`createdDate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// Details of the alert, as received (`alertDetails`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_details: Option<Value>,
    /// Fields not named above, kept as received.
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl AlertEvent {
    fn from_object(object: &Map<String, Value>) -> AlertEvent {
        let mut fields = object.clone();
        AlertEvent {
            recipient_id: take_string(&mut fields, "recipientId"),
            tenant_code: take_string(&mut fields, "tenantCode"),
            alert_notification_id: take_string(&mut fields, "alertNotificationId"),
            alert_id: take_string(&mut fields, "alertId"),
            created_date: take_string(&mut fields, "createdDate"),
            alert_details: fields.remove("alertDetails"),
            extra: fields,
        }
    }
}
