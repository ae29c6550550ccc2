//! Notification bodies: Visier's envelope and a generated event for each event type.
//!
//! Job events carry Visier's documented `jobId`, `rootJobId` and `parentJobId`. Alert
//! notifications follow Visier's published example: envelope type `ALERT_NOTIFICATION` and the
//! fields `recipientId`, `tenantCode`, `alertNotificationId`, `alertId`, `createdDate` and
//! `alertDetails` (the contents of `alertDetails` are invented). Visier documents no payload
//! for the other types, so their bodies here are invented and only plausible.

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::util::{epoch_ms, uuid_v4};

/// Tenant code used in generated events for the default tenant.
const DEFAULT_TENANT_CODE: &str = "emulator-tenant";

/// Returns the envelope `eventType` and a generated event body for a registered event type.
pub(crate) fn generated_event(event_type: &str, tenant: Option<&str>) -> (String, Value) {
    let tenant_code = tenant.unwrap_or(DEFAULT_TENANT_CODE);
    let now = epoch_ms(SystemTime::now()).to_string();
    let root_job = uuid_v4();
    let event = match event_type {
        "jobResultSuccess" | "jobResultFailure" | "jobReschedule" => json!({
            "jobId": uuid_v4(),
            "rootJobId": root_job,
            "parentJobId": root_job,
        }),
        "alertNotification" => {
            let alert = json!({
                "recipientId": "emulator-user",
                "tenantCode": tenant_code,
                "alertNotificationId": uuid_v4(),
                "alertId": uuid_v4(),
                "createdDate": now,
                "alertDetails": {
                    "alertName": "Emulator alert",
                    "metric": "employeeCount",
                    "value": 42,
                },
            });
            return ("ALERT_NOTIFICATION".to_owned(), alert);
        }
        "dvPublish" => json!({
            "tenantCode": tenant_code,
            "dataVersion": "1000001",
            "publishedDate": now,
        }),
        "smartCompNotification" => json!({
            "tenantCode": tenant_code,
            "notificationId": uuid_v4(),
            "createdDate": now,
        }),
        "dataUploadNotification" => json!({
            "tenantCode": tenant_code,
            "uploadId": uuid_v4(),
            "fileName": "emulator-upload.csv",
            "uploadedDate": now,
        }),
        "systemAlertNotification" => json!({
            "tenantCode": tenant_code,
            "alertId": uuid_v4(),
            "severity": "WARNING",
            "message": "Emulator system alert",
            "createdDate": now,
        }),
        "planRowPromotionNotification" => json!({
            "tenantCode": tenant_code,
            "planId": uuid_v4(),
            "rowId": uuid_v4(),
            "promotedDate": now,
        }),
        "auditEvent" => json!({
            "tenantCode": tenant_code,
            "auditEventId": uuid_v4(),
            "action": "UPDATE",
            "user": "emulator-user",
            "createdDate": now,
        }),
        _ => json!({ "tenantCode": tenant_code }),
    };
    (event_type.to_owned(), event)
}

/// Serializes Visier's envelope with its fields in the documented order.
pub(crate) fn envelope(
    envelope_type: &str,
    event_id: &str,
    event: &Value,
    at: SystemTime,
) -> Vec<u8> {
    let text = |s: &str| Value::from(s).to_string();
    format!(
        "{{\"timestamp\":\"{}\",\"eventId\":{},\"eventType\":{},\"event\":{}}}",
        epoch_ms(at),
        text(event_id),
        text(envelope_type),
        event
    )
    .into_bytes()
}
