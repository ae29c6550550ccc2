//! The API subcommands: each prepares its input, sends one operation (two for an edit) and
//! writes the response.

use serde_json::{json, Value};
use visier_webhooks::{
    Client, Endpoint, GenerateKeyRequest, KeyAlgorithm, WebhookDetails, WebhookRequest,
};

use crate::args::{Command, CreateArgs, GlobalOptions, KeysCommand, ListArgs, UpdateArgs};
use crate::config::build_client;
use crate::edit;
use crate::failure::{Failure, Kind};
use crate::input::{read_credentials, read_json_object};
use crate::output::{cell, epoch_millis_text, event_types, table, Output};

/// Options and output settings shared by the subcommands.
pub struct Context<'a> {
    pub options: &'a GlobalOptions,
    pub output: Output,
}

impl Context<'_> {
    /// Builds the client. Commands call it after reading their input, so that invalid input
    /// is reported before any configuration problem or request.
    fn client(&self) -> Result<Client, Failure> {
        Ok(build_client(self.options)?)
    }

    fn send(
        &self,
        client: &Client,
        endpoint: Endpoint<'_>,
        body: Option<&[u8]>,
    ) -> Result<Vec<u8>, Failure> {
        Ok(client.send_raw(endpoint, body)?)
    }
}

/// Runs an API subcommand. `verify` and `completions` are handled by the caller.
pub fn run(context: &Context<'_>, command: Command) -> Result<(), Failure> {
    match command {
        Command::List(args) => list(context, &args, false),
        Command::Statuses(args) => list(context, &args, true),
        Command::Get { id } => simple(context, Endpoint::GetWebhook(&id)),
        Command::Create(args) => create(context, &args),
        Command::Update(args) => update(context, &args),
        Command::SetCredentials(args) => {
            let credentials = read_credentials(&args.credentials)?
                .ok_or_else(|| Failure::usage("no credentials given"))?;
            let body = to_json_bytes(&credentials)?;
            let client = context.client()?;
            let response =
                context.send(&client, Endpoint::UpdateCredentials(&args.id), Some(&body))?;
            context.output.json(&response)
        }
        Command::DeleteCredentials { id } => simple(context, Endpoint::DeleteCredentials(&id)),
        Command::Delete { id } => simple(context, Endpoint::DeleteWebhook(&id)),
        Command::Test { id, event } => test_event(context, &id, &event),
        Command::Keys(KeysCommand::List) => list_keys(context),
        Command::Keys(KeysCommand::Generate {
            name,
            algorithm,
            expiry_date,
        }) => generate_key(context, name, &algorithm, expiry_date),
        Command::Keys(KeysCommand::Delete { name }) => simple(context, Endpoint::DeleteKey(&name)),
        Command::Verify(_) | Command::Completions { .. } => Err(Failure::new(
            Kind::Other,
            "internal error: verify and completions need no API client",
        )),
    }
}

/// Sends an operation without a body and writes the response as JSON.
fn simple(context: &Context<'_>, endpoint: Endpoint<'_>) -> Result<(), Failure> {
    let client = context.client()?;
    let response = context.send(&client, endpoint, None)?;
    context.output.json(&response)
}

fn list(context: &Context<'_>, args: &ListArgs, statuses: bool) -> Result<(), Failure> {
    let is_active = args.active.then_some(true);
    let event = args.event.as_deref();
    let endpoint = if statuses {
        Endpoint::ListStatuses { is_active, event }
    } else {
        Endpoint::ListWebhooks { is_active, event }
    };
    let client = context.client()?;
    let response = context.send(&client, endpoint, None)?;
    if !context.output.wants_table() {
        return context.output.json(&response);
    }
    let webhooks = array_member(&response, "webhooks")?;
    let text = if statuses {
        let rows: Vec<Vec<String>> = webhooks
            .iter()
            .map(|webhook| {
                let details = webhook.get("details");
                vec![
                    cell(webhook.get("webhookId")),
                    cell(details.and_then(|d| d.get("isActive"))),
                    event_types(details.and_then(|d| d.get("events"))),
                ]
            })
            .collect();
        table(&["ID", "ACTIVE", "EVENTS"], &rows)
    } else {
        let rows: Vec<Vec<String>> = webhooks.iter().map(webhook_row).collect();
        table(
            &[
                "ID",
                "ACTIVE",
                "NAME",
                "TARGET URL",
                "EVENTS",
                "KEY",
                "CREDENTIALS",
            ],
            &rows,
        )
    };
    context.output.text(&text)
}

fn webhook_row(webhook: &Value) -> Vec<String> {
    let detail = |name: &str| webhook.get("details").and_then(|d| d.get(name));
    let has_credentials = webhook
        .get("credentialReference")
        .and_then(Value::as_str)
        .is_some_and(|reference| !reference.is_empty());
    vec![
        cell(webhook.get("webhookId")),
        cell(detail("isActive")),
        cell(detail("displayName")),
        cell(detail("targetUrl")),
        event_types(detail("events")),
        cell(detail("keyName")),
        if has_credentials { "yes" } else { "no" }.to_owned(),
    ]
}

/// Returns the objects in the array under `name` of a JSON object response. A response of
/// another shape is an API failure, because a table of it would be empty or wrong.
fn array_member(response: &[u8], name: &str) -> Result<Vec<Value>, Failure> {
    let wrong_shape = |problem: String| {
        Failure::invalid_response(format!(
            "invalid response: expected a JSON object with a {name:?} array of objects, but \
             {problem}; use --format json to see the response as received"
        ))
    };
    let mut value: Value = serde_json::from_slice(response)
        .map_err(|error| wrong_shape(format!("the response is not JSON: {error}")))?;
    let items = match value.get_mut(name).map(Value::take) {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(wrong_shape(format!(
                "{name:?} is {}",
                json_type_name(&other)
            )))
        }
        None if value.is_object() => {
            return Err(wrong_shape(format!("the object has no {name:?} member")))
        }
        None => {
            return Err(wrong_shape(format!(
                "the response is {}",
                json_type_name(&value)
            )))
        }
    };
    if let Some((index, item)) = items.iter().enumerate().find(|(_, item)| !item.is_object()) {
        return Err(wrong_shape(format!(
            "item {index} of {name:?} is {}",
            json_type_name(item)
        )));
    }
    Ok(items)
}

/// Returns the JSON type of `value` with its article, for error messages.
fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn create(context: &Context<'_>, args: &CreateArgs) -> Result<(), Failure> {
    let body = match &args.file {
        Some(path) => read_json_object(path)?,
        None => {
            let url = args
                .url
                .clone()
                .ok_or_else(|| Failure::usage("--url is required without --file"))?;
            let mut details = WebhookDetails::new(url, args.events.iter().map(String::as_str));
            if let Some(name) = &args.name {
                details = details.display_name(name);
            }
            if let Some(key_name) = &args.key_name {
                details = details.key_name(key_name);
            }
            let mut request = WebhookRequest::new(details);
            if let Some(credentials) = read_credentials(&args.credentials)? {
                request = request.credentials(credentials);
            }
            to_json_bytes(&request)?
        }
    };
    let client = context.client()?;
    let response = context.send(&client, Endpoint::CreateWebhook, Some(&body))?;
    context.output.json(&response)
}

fn update(context: &Context<'_>, args: &UpdateArgs) -> Result<(), Failure> {
    let id = args.id.as_str();
    if let Some(path) = &args.file {
        let body = read_json_object(path)?;
        let client = context.client()?;
        let response = context.send(&client, Endpoint::UpdateWebhook(id), Some(&body))?;
        return context.output.json(&response);
    }

    let client = context.client()?;
    let current = context.send(&client, Endpoint::GetWebhook(id), None)?;
    let mut webhook: Value = serde_json::from_slice(&current).map_err(|error| {
        Failure::invalid_response(format!(
            "invalid response: webhook {id:?} as returned by the API is not JSON: {error}"
        ))
    })?;
    let warnings = edit::apply(&mut webhook, args).map_err(|problem| {
        Failure::invalid_response(format!("cannot edit webhook {id:?}: {problem}"))
    })?;
    for warning in warnings {
        eprintln!("warning: webhook {id:?}: {warning}");
    }
    let body = to_json_bytes(&webhook)?;
    let response = context.send(&client, Endpoint::UpdateWebhook(id), Some(&body))?;
    context.output.json(&response)
}

fn test_event(context: &Context<'_>, id: &str, event: &str) -> Result<(), Failure> {
    let body = to_json_bytes(&json!({ "eventType": event }))?;
    let client = context.client()?;
    let response = context.send(&client, Endpoint::SendTestEvent(id), Some(&body))?;
    if !context.output.wants_table() {
        return context.output.json(&response);
    }
    let result = match serde_json::from_slice::<Value>(&response) {
        Ok(result @ Value::Object(_)) => result,
        Ok(other) => {
            return Err(Failure::invalid_response(format!(
                "invalid response: expected a JSON object as the test event result, but the \
                 response is {}; use --format json to see the response as received",
                json_type_name(&other)
            )))
        }
        Err(error) => {
            return Err(Failure::invalid_response(format!(
                "invalid response: the test event result is not JSON: {error}"
            )))
        }
    };
    let status = result.get("statusCode").and_then(Value::as_i64);
    let message = cell(result.get("message"));
    let summary = match status {
        Some(0) | None => format!("receiver not reached: {message}"),
        Some(code) => format!("receiver returned HTTP {code}: {message}"),
    };
    let rows = vec![
        vec!["status".to_owned(), summary],
        vec!["event id".to_owned(), cell(result.get("eventId"))],
        vec!["message id".to_owned(), cell(result.get("messageId"))],
    ];
    context.output.text(&table(&["TEST EVENT", ""], &rows))
}

fn list_keys(context: &Context<'_>) -> Result<(), Failure> {
    let client = context.client()?;
    let response = context.send(&client, Endpoint::ListKeys, None)?;
    if !context.output.wants_table() {
        return context.output.json(&response);
    }
    let keys = array_member(&response, "keyDetails")?;
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|key| {
            vec![
                cell(key.get("keyName")),
                cell(key.get("algorithm")),
                cell(key.get("generatedBy")),
                epoch_millis_text(key.get("dateGenerated")),
                epoch_millis_text(key.get("expiryDate")),
            ]
        })
        .collect();
    context.output.text(&table(
        &["NAME", "ALGORITHM", "GENERATED BY", "GENERATED", "EXPIRES"],
        &rows,
    ))
}

fn generate_key(
    context: &Context<'_>,
    name: String,
    algorithm: &str,
    expiry_date: Option<String>,
) -> Result<(), Failure> {
    let mut request = GenerateKeyRequest::new(name, KeyAlgorithm::from_wire(algorithm));
    request.expiry_date = expiry_date;
    let body = to_json_bytes(&request)?;
    let client = context.client()?;
    let response = context.send(&client, Endpoint::GenerateKey, Some(&body))?;
    context.output.json(&response)?;
    eprintln!(
        "warning: the key value (\"key\") is shown only this once; store it now, because the \
         API never returns it again"
    );
    Ok(())
}

fn to_json_bytes(value: &impl serde::Serialize) -> Result<Vec<u8>, Failure> {
    serde_json::to_vec(value)
        .map_err(|error| Failure::usage(format!("request body cannot be serialized: {error}")))
}
