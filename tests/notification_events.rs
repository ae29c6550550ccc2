//! Parsing of notification bodies into the envelope and typed events.

use serde_json::json;
use visier_webhooks::models::EventType;
use visier_webhooks::notification::{normalize_event_type, Notification};

fn parse(body: &serde_json::Value) -> Notification {
    Notification::parse(body.to_string().as_bytes()).unwrap()
}

#[test]
fn job_event_with_job_id() {
    let notification = parse(&json!({
        "timestamp": "1717000000000",
        "eventId": "evt-1",
        "eventType": "jobResultSuccess",
        "event": {"jobId": "job-1", "rootJobId": "root-1", "parentJobId": "parent-1"}
    }));
    assert_eq!(notification.kind(), EventType::JobResultSuccess);
    let job = notification.job_event().unwrap();
    assert_eq!(job.job_id.as_deref(), Some("job-1"));
    assert_eq!(job.root_job_id.as_deref(), Some("root-1"));
    assert_eq!(job.parent_job_id.as_deref(), Some("parent-1"));
    assert!(job.extra.is_empty(), "{:?}", job.extra);
    assert!(notification.alert().is_none());
}

#[test]
fn job_event_with_lowercase_jobid() {
    let notification = parse(&json!({
        "timestamp": "1717000000000",
        "eventId": "evt-2",
        "eventType": "jobResultFailure",
        "event": {"jobid": "job-2", "rootJobId": "root-2", "errorCode": 17}
    }));
    assert_eq!(notification.kind(), EventType::JobResultFailure);
    let job = notification.job_event().unwrap();
    assert_eq!(job.job_id.as_deref(), Some("job-2"));
    assert_eq!(job.root_job_id.as_deref(), Some("root-2"));
    assert_eq!(job.parent_job_id, None);
    assert_eq!(job.extra.get("errorCode"), Some(&json!(17)));
    assert!(!job.extra.contains_key("jobid"));
}

#[test]
fn job_event_prefers_job_id_over_jobid() {
    let notification = parse(&json!({
        "eventId": "evt-3",
        "eventType": "JOB_RESCHEDULE",
        "event": {"jobId": "canonical", "jobid": "legacy"}
    }));
    let job = notification.job_event().unwrap();
    assert_eq!(job.job_id.as_deref(), Some("canonical"));
    assert_eq!(job.extra.get("jobid"), Some(&json!("legacy")));
}

#[test]
fn job_event_keeps_non_string_id() {
    let notification = parse(&json!({
        "eventId": "evt-4",
        "eventType": "jobResultSuccess",
        "event": {"jobId": 42}
    }));
    let job = notification.job_event().unwrap();
    assert_eq!(job.job_id, None);
    assert_eq!(job.extra.get("jobId"), Some(&json!(42)));
}

#[test]
fn alert_with_upper_snake_type() {
    let notification = parse(&json!({
        "timestamp": "1717000000123",
        "eventId": "evt-5",
        "eventType": "ALERT_NOTIFICATION",
        "event": {
            "recipientId": "user-1",
            "tenantCode": "WFF_j1r",
            "alertNotificationId": "an-1",
            "alertId": "alert-1",
            "createdDate": "2025-05-01T10:00:00Z",
            "alertDetails": {"metric": "headcount", "values": [1, 2.5]},
            "severity": "high"
        }
    }));
    assert_eq!(notification.event_type, "ALERT_NOTIFICATION");
    assert_eq!(notification.kind(), EventType::AlertNotification);
    let alert = notification.alert().unwrap();
    assert_eq!(alert.recipient_id.as_deref(), Some("user-1"));
    assert_eq!(alert.tenant_code.as_deref(), Some("WFF_j1r"));
    assert_eq!(alert.alert_notification_id.as_deref(), Some("an-1"));
    assert_eq!(alert.alert_id.as_deref(), Some("alert-1"));
    assert_eq!(alert.created_date.as_deref(), Some("2025-05-01T10:00:00Z"));
    assert_eq!(
        alert.alert_details,
        Some(json!({"metric": "headcount", "values": [1, 2.5]}))
    );
    assert_eq!(alert.extra.get("severity"), Some(&json!("high")));
    assert!(notification.job_event().is_none());
}

#[test]
fn unknown_type_and_fields_kept() {
    let notification = parse(&json!({
        "timestamp": "1717000000000",
        "eventId": "evt-6",
        "eventType": "workforcePlanArchived",
        "event": {"planId": "p-1"},
        "tenantCode": "WFF_j1r",
        "deliveryAttempt": 2
    }));
    assert_eq!(
        notification.kind(),
        EventType::Other("workforcePlanArchived".to_owned())
    );
    assert_eq!(notification.event, json!({"planId": "p-1"}));
    assert_eq!(
        notification.extra.get("tenantCode"),
        Some(&json!("WFF_j1r"))
    );
    assert_eq!(notification.extra.get("deliveryAttempt"), Some(&json!(2)));
    assert!(notification.job_event().is_none());
    assert!(notification.alert().is_none());

    let normalized = notification.normalized_json();
    assert_eq!(normalized["eventType"], json!("workforcePlanArchived"));
    assert_eq!(normalized["tenantCode"], json!("WFF_j1r"));
    assert_eq!(normalized["deliveryAttempt"], json!(2));
}

#[test]
fn timestamp_as_string() {
    let notification = parse(&json!({
        "timestamp": "1717000000000",
        "eventId": "evt-7",
        "eventType": "dvPublish",
        "event": {}
    }));
    assert_eq!(notification.timestamp.as_deref(), Some("1717000000000"));
    assert_eq!(notification.timestamp_millis(), Some(1_717_000_000_000));
}

#[test]
fn timestamp_as_number() {
    let notification = parse(&json!({
        "timestamp": 1717000000000_i64,
        "eventId": "evt-8",
        "eventType": "dvPublish",
        "event": {}
    }));
    assert_eq!(notification.timestamp.as_deref(), Some("1717000000000"));
    assert_eq!(notification.timestamp_millis(), Some(1_717_000_000_000));
    assert_eq!(
        notification.normalized_json()["timestamp"],
        json!("1717000000000")
    );
}

#[test]
fn timestamp_missing_null_or_not_integer() {
    let missing = parse(&json!({"eventId": "e", "eventType": "auditEvent"}));
    assert_eq!(missing.timestamp, None);
    assert_eq!(missing.timestamp_millis(), None);
    assert_eq!(missing.event, serde_json::Value::Null);

    let null = parse(&json!({"timestamp": null, "eventId": "e", "eventType": "auditEvent"}));
    assert_eq!(null.timestamp, None);

    let text = parse(&json!({"timestamp": "yesterday", "eventId": "e", "eventType": "auditEvent"}));
    assert_eq!(text.timestamp.as_deref(), Some("yesterday"));
    assert_eq!(text.timestamp_millis(), None);
}

#[test]
fn timestamp_of_wrong_type_rejected() {
    let body = json!({"timestamp": [1], "eventId": "e", "eventType": "auditEvent"});
    assert!(Notification::parse(body.to_string().as_bytes()).is_err());
}

#[test]
fn parse_rejects_non_notifications() {
    let cases: [&[u8]; 6] = [
        b"",
        b"not json",
        b"[\"1717000000000\", \"e\", \"auditEvent\", {}]",
        b"{\"eventType\": \"auditEvent\"}",
        b"{\"eventId\": \"e\"}",
        b"{\"eventId\": 7, \"eventType\": \"auditEvent\"}",
    ];
    for body in cases {
        let result = Notification::parse(body);
        assert!(
            result.is_err(),
            "{:?} parsed",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn parse_error_message_names_cause() {
    let error = Notification::parse(b"{\"eventId\": \"e\"}").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("invalid notification body: "),
        "{message}"
    );
    assert!(message.contains("eventType"), "{message}");
}

#[test]
fn normalize_documented_spellings() {
    for documented in EventType::DOCUMENTED {
        let name = documented.as_str();
        assert_eq!(normalize_event_type(name), documented, "{name}");
        assert_eq!(
            normalize_event_type(&name.to_ascii_uppercase()),
            documented,
            "{name} uppercase"
        );
        assert_eq!(
            normalize_event_type(&name.to_ascii_lowercase()),
            documented,
            "{name} lowercase"
        );
    }
}

#[test]
fn normalize_upper_snake_spellings() {
    let cases = [
        ("JOB_RESULT_SUCCESS", EventType::JobResultSuccess),
        ("JOB_RESULT_FAILURE", EventType::JobResultFailure),
        ("JOB_RESCHEDULE", EventType::JobReschedule),
        ("DV_PUBLISH", EventType::DvPublish),
        ("ALERT_NOTIFICATION", EventType::AlertNotification),
        ("SMART_COMP_NOTIFICATION", EventType::SmartCompNotification),
        (
            "DATA_UPLOAD_NOTIFICATION",
            EventType::DataUploadNotification,
        ),
        (
            "SYSTEM_ALERT_NOTIFICATION",
            EventType::SystemAlertNotification,
        ),
        (
            "PLAN_ROW_PROMOTION_NOTIFICATION",
            EventType::PlanRowPromotionNotification,
        ),
        ("AUDIT_EVENT", EventType::AuditEvent),
        ("alert_notification", EventType::AlertNotification),
    ];
    for (name, expected) in cases {
        assert_eq!(normalize_event_type(name), expected, "{name}");
    }
}

#[test]
fn normalize_unknown_keeps_original() {
    for name in [
        "JOBRESULT_SUCCESS",
        "ALERT__NOTIFICATION",
        "_ALERT_NOTIFICATION",
        "alertNotification ",
        "alert-notification",
        "",
        "newEventType",
    ] {
        assert_eq!(
            normalize_event_type(name),
            EventType::Other(name.to_owned()),
            "{name:?}"
        );
    }
}

#[test]
fn normalized_json_uses_subscription_names() {
    let notification = parse(&json!({
        "timestamp": "1717000000000",
        "eventId": "evt-9",
        "eventType": "JOB_RESULT_SUCCESS",
        "event": {"jobid": "job-9", "rootJobId": "root-9", "rows": 12}
    }));
    let expected = json!({
        "timestamp": "1717000000000",
        "eventId": "evt-9",
        "eventType": "jobResultSuccess",
        "event": {"jobId": "job-9", "rootJobId": "root-9", "rows": 12}
    });
    assert_eq!(notification.normalized_json(), expected);
    // The received values stay available.
    assert_eq!(notification.event_type, "JOB_RESULT_SUCCESS");
    assert_eq!(notification.event["jobid"], json!("job-9"));
}

#[test]
fn normalized_json_keeps_other_payloads() {
    let event = json!({"jobid": "not-a-job-event", "nested": {"a": [1, null]}});
    let notification = parse(&json!({
        "timestamp": "1717000000000",
        "eventId": "evt-10",
        "eventType": "SYSTEM_ALERT_NOTIFICATION",
        "event": event
    }));
    let normalized = notification.normalized_json();
    assert_eq!(normalized["eventType"], json!("systemAlertNotification"));
    assert_eq!(normalized["event"], event);
}

#[test]
fn notification_serializes_back() {
    let body = json!({
        "timestamp": "1717000000000",
        "eventId": "evt-11",
        "eventType": "ALERT_NOTIFICATION",
        "event": {"alertId": "a"},
        "extraField": true
    });
    let notification = parse(&body);
    assert_eq!(serde_json::to_value(&notification).unwrap(), body);
}
