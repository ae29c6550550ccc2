//! Reading JSON files, stdin and secrets.

use std::io::Read;
use std::path::Path;

use serde_json::Value;
use visier_webhooks::{Secret, WebhookCredentials};

use crate::args::CredentialArgs;
use crate::failure::Failure;

/// Largest JSON file or secret read: 4 MiB, the library's default response limit.
const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a JSON object from `path`, or from stdin when `path` is `-`, and returns its bytes
/// unchanged.
pub fn read_json_object(path: &Path) -> Result<Vec<u8>, Failure> {
    let name = if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    let bytes = if path == Path::new("-") {
        read_stdin().map_err(|error| Failure::usage(format!("reading stdin failed: {error}")))?
    } else {
        std::fs::read(path)
            .map_err(|error| Failure::usage(format!("reading {name} failed: {error}")))?
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(_)) => Ok(bytes),
        Ok(_) => Err(Failure::usage(format!(
            "invalid input: {name} contains JSON but not an object"
        ))),
        Err(error) => Err(Failure::usage(format!(
            "invalid input: {name} is not valid JSON: {error}"
        ))),
    }
}

/// Reads the credentials named by the flags, or `None` when no credential flag is given.
pub fn read_credentials(args: &CredentialArgs) -> Result<Option<WebhookCredentials>, Failure> {
    if let Some(username) = &args.username {
        let password = if args.password_stdin {
            secret_from_stdin("password")?
        } else if let Some(variable) = &args.password_env {
            secret_from_env(variable, "password")?
        } else {
            return Err(Failure::usage(
                "--username needs --password-stdin or --password-env VAR",
            ));
        };
        return Ok(Some(WebhookCredentials::basic(username.clone(), password)));
    }
    if args.token_stdin {
        return Ok(Some(WebhookCredentials::access_token(secret_from_stdin(
            "access token",
        )?)));
    }
    if let Some(variable) = &args.token_env {
        return Ok(Some(WebhookCredentials::access_token(secret_from_env(
            variable,
            "access token",
        )?)));
    }
    Ok(None)
}

/// Reads a secret from stdin, removing one trailing line end (`\n` or `\r\n`).
fn secret_from_stdin(what: &str) -> Result<Secret, Failure> {
    let bytes = read_stdin().map_err(|error| {
        Failure::usage(format!("reading the {what} from stdin failed: {error}"))
    })?;
    let mut text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("invalid {what}: stdin is not UTF-8")))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(Failure::usage(format!(
            "missing {what}: stdin is empty; pipe the {what} into the command"
        )));
    }
    Ok(Secret::new(text))
}

fn secret_from_env(variable: &str, what: &str) -> Result<Secret, Failure> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
        Ok(_) => Err(Failure::usage(format!(
            "missing {what}: environment variable {variable} is empty"
        ))),
        Err(_) => Err(Failure::usage(format!(
            "missing {what}: environment variable {variable} is unset or not UTF-8"
        ))),
    }
}

fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("more than {MAX_INPUT_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}
