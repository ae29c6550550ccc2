//! Field edits of `update`, applied to a webhook's raw JSON so that every other field,
//! including fields this tool does not know, is sent back as read.

use serde_json::{json, Map, Value};

use crate::args::UpdateArgs;

/// Applies the edit flags of `args` to `webhook`, a `WebhookDTO` as the API returned it.
/// Returns warnings for edits that changed nothing, such as removing an event type the
/// webhook does not listen for.
///
/// # Errors
///
/// A message when `webhook`, its `details` or its `events` do not have the documented JSON
/// type, so the edit cannot be applied without guessing.
pub fn apply(webhook: &mut Value, args: &UpdateArgs) -> Result<Vec<String>, String> {
    let object = webhook
        .as_object_mut()
        .ok_or("the webhook returned by the API is not a JSON object")?;
    let details = object
        .entry("details")
        .or_insert_with(|| Value::Object(Map::new()));
    if details.is_null() {
        *details = Value::Object(Map::new());
    }
    let details = details
        .as_object_mut()
        .ok_or("the webhook's details returned by the API are not a JSON object")?;

    if args.activate {
        details.insert("isActive".into(), Value::Bool(true));
    }
    if args.deactivate {
        details.insert("isActive".into(), Value::Bool(false));
    }
    if let Some(name) = &args.rename {
        details.insert("displayName".into(), json!(name));
    }
    if let Some(url) = &args.url {
        details.insert("targetUrl".into(), json!(url));
    }
    if let Some(key_name) = &args.key_name {
        details.insert("keyName".into(), json!(key_name));
    }
    if args.no_key {
        details.remove("keyName");
    }

    let mut warnings = Vec::new();
    if args.add_event.is_empty() && args.remove_event.is_empty() {
        return Ok(warnings);
    }
    let events = details
        .entry("events")
        .or_insert_with(|| Value::Array(Vec::new()));
    if events.is_null() {
        *events = Value::Array(Vec::new());
    }
    let events = events
        .as_array_mut()
        .ok_or("the webhook's details.events returned by the API is not a JSON array")?;
    let listens_for = |events: &[Value], event_type: &str| {
        events
            .iter()
            .any(|event| event.get("eventType").and_then(Value::as_str) == Some(event_type))
    };

    // Removals run first, so `--remove-event A --add-event A` ends with A listened for.
    for event_type in &args.remove_event {
        if listens_for(events, event_type) {
            events.retain(|event| {
                event.get("eventType").and_then(Value::as_str) != Some(event_type.as_str())
            });
        } else {
            warnings.push(format!(
                "the webhook does not listen for {event_type:?}; nothing to remove"
            ));
        }
    }
    for event_type in &args.add_event {
        if listens_for(events, event_type) {
            warnings.push(format!(
                "the webhook already listens for {event_type:?}; not added twice"
            ));
        } else {
            events.push(json!({ "eventType": event_type }));
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn update_args(flags: &[&str]) -> UpdateArgs {
        let mut argv = vec!["visier-webhooks", "update", "id-1"];
        argv.extend_from_slice(flags);
        match crate::args::Cli::parse_from(argv).command {
            crate::args::Command::Update(args) => *args,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn edits_keep_unknown_fields() {
        let mut webhook = json!({
            "webhookId": "id-1",
            "credentialReference": "ref",
            "futureTopLevel": {"a": 1},
            "details": {
                "targetUrl": "https://old.example",
                "isActive": false,
                "keyName": "key-one",
                "futureDetail": [1, 2],
                "events": [{"eventType": "dvPublish", "futureEventField": true}]
            }
        });

        let args = update_args(&[
            "--activate",
            "--rename",
            "New",
            "--add-event",
            "jobResultSuccess",
            "--no-key",
        ]);
        let warnings = apply(&mut webhook, &args).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");

        assert_eq!(webhook["futureTopLevel"], json!({"a": 1}));
        assert_eq!(webhook["credentialReference"], "ref");
        assert_eq!(webhook["details"]["futureDetail"], json!([1, 2]));
        assert_eq!(webhook["details"]["isActive"], true);
        assert_eq!(webhook["details"]["displayName"], "New");
        assert_eq!(webhook["details"]["targetUrl"], "https://old.example");
        assert!(webhook["details"].get("keyName").is_none());
        assert_eq!(
            webhook["details"]["events"],
            json!([
                {"eventType": "dvPublish", "futureEventField": true},
                {"eventType": "jobResultSuccess"}
            ])
        );
    }

    #[test]
    fn remove_event_warns_when_absent() {
        let mut webhook = json!({"webhookId": "id-1", "details": {"events": null}});
        let args = update_args(&["--remove-event", "dvPublish"]);
        let warnings = apply(&mut webhook, &args).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(webhook["details"]["events"], json!([]));
    }

    #[test]
    fn details_of_wrong_type_are_rejected() {
        let mut webhook = json!({"webhookId": "id-1", "details": "text"});
        let args = update_args(&["--activate"]);
        assert!(apply(&mut webhook, &args).is_err());
    }
}
