//! Command-line arguments: global options, subcommands and their help texts.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

const EXIT_STATUSES: &str = "\
Exit status:
  0  success
  1  any other failure (such as an unwritable stdout)
  2  usage error, invalid input or invalid configuration
  3  not found (HTTP 404)
  4  unauthorized or forbidden (HTTP 401 or 403)
  5  rate limited (HTTP 429)
  6  network failure: connection, timeout or TLS
  7  any other API error (other HTTP status, or a response that is not the expected JSON)
  8  outcome unknown: a create, test event or key generation may have reached the server
     but its response was lost; check the server's state before trying again
  9  invalid signature (verify only)

Configuration comes from the environment, as in the library:
  VISIER_HOST or VISIER_VANITY, VISIER_APIKEY, and one of VISIER_USERNAME with
  VISIER_PASSWORD (plus VISIER_CLIENT_ID and VISIER_CLIENT_SECRET for OAuth),
  VISIER_SECURITY_TOKEN or VISIER_ACCESS_TOKEN; optionally VISIER_TARGET_TENANT_ID,
  VISIER_API_VERSION and VISIER_ALLOW_INSECURE_HTTP. Secrets are read only from the
  environment or stdin, never from arguments.

Example:
  export VISIER_VANITY=acme VISIER_APIKEY=... VISIER_USERNAME=me VISIER_PASSWORD=...
  visier-webhooks list --active | jq -r '.webhooks[].webhookId'";

/// Manage Visier webhooks and encryption keys from a shell.
///
/// JSON responses are written to stdout exactly as the API returns them.
#[derive(Debug, Parser)]
#[command(name = "visier-webhooks", version, after_help = EXIT_STATUSES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after any subcommand.
#[derive(Debug, Args)]
pub struct GlobalOptions {
    /// API base URL, such as https://acme.api.visier.io [overrides VISIER_HOST]
    #[arg(long, global = true, value_name = "URL")]
    pub host: Option<String>,

    /// Tenant vanity name; without --host it also replaces VISIER_HOST
    /// [overrides VISIER_VANITY]
    #[arg(long, global = true, value_name = "NAME")]
    pub vanity: Option<String>,

    /// Path version of the webhook endpoints [overrides VISIER_API_VERSION; default: v1]
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    pub api_version: Option<ApiVersionArg>,

    /// Tenant to act on, sent as TargetTenantID [overrides VISIER_TARGET_TENANT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub tenant: Option<String>,

    /// Timeout of one request attempt, in seconds [default: 30]
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,

    /// Retries after a failed attempt, for requests safe to repeat [default: 3]
    #[arg(long, global = true, value_name = "N")]
    pub retries: Option<u32>,

    /// Output format of list, statuses, keys list and test, and of errors on stderr
    /// [default: table when stdout is a terminal, json otherwise]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// Indent JSON output; without it JSON is written byte for byte as received
    #[arg(long, global = true)]
    pub pretty: bool,

    /// Log each request and retry on stderr (never the API key, tokens or passwords)
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiVersionArg {
    V1,
    V1beta,
}

impl ApiVersionArg {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersionArg::V1 => "v1",
            ApiVersionArg::V1beta => "v1beta",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a person
    Table,
    /// JSON as the API returns it
    Json,
}

fn parse_seconds(value: &str) -> Result<f64, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "{value:?} is out of range: use more than 0 and at most 86400 seconds"
        ));
    }
    Ok(seconds)
}

/// Returns whether the raw arguments (without the program name) select `--format json`, as
/// `--format json` or `--format=json`, for reporting an error that clap found before the
/// options were parsed. The last `--format` counts, and arguments after `--` are not options.
pub fn json_format_requested<I>(args: I) -> bool
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut json = false;
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--format" {
            json = args.next().is_some_and(|value| value == "json");
        } else if arg == "--format=json" {
            json = true;
        } else if arg.to_string_lossy().starts_with("--format=") {
            json = false;
        }
    }
    json
}

/// Rejects an empty or blank target URL, which Visier could never call.
fn parse_url(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("the target URL must not be empty".to_owned());
    }
    Ok(value.to_owned())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List webhooks
    #[command(after_help = "Example:\n  visier-webhooks list --active --event dvPublish")]
    List(ListArgs),

    /// Show one webhook
    #[command(after_help = "Example:\n  visier-webhooks get 0c1f3a52-6d7e-4b8a-9f00-1d2e3f4a5b6c")]
    Get {
        /// Webhook id
        id: String,
    },

    /// Create a webhook (inactive, as Visier requires), from flags or a JSON file
    #[command(after_help = "\
Examples:
  visier-webhooks create --url https://hooks.example.com/visier \\
      --event jobResultSuccess --event jobResultFailure --name 'Job results' \\
      --username hook-user --password-env HOOK_PASSWORD
  visier-webhooks create --file webhook.json
  jq -n '{details: {targetUrl: \"https://hooks.example.com\", isActive: false}}' \\
      | visier-webhooks create --file -")]
    Create(Box<CreateArgs>),

    /// Change a webhook: replace it from a file, or edit the fields named by flags
    #[command(after_help = "\
The edit flags read the webhook, change only the named fields and send every other field
back as read, including fields this tool does not know. Two writers changing the same
webhook at once can still overwrite each other, because the API has no version check.

Examples:
  visier-webhooks update 0c1f3a52 --activate --add-event dvPublish
  visier-webhooks update 0c1f3a52 --no-key --rename 'Old hook'
  visier-webhooks get 0c1f3a52 | jq '.details.isActive = false' \\
      | visier-webhooks update 0c1f3a52 --file -")]
    Update(Box<UpdateArgs>),

    /// Replace the credentials that Visier sends to a webhook's target URL
    #[command(after_help = "\
Examples:
  printf '%s' \"$HOOK_PASSWORD\" | visier-webhooks set-credentials 0c1f3a52 \\
      --username hook-user --password-stdin
  visier-webhooks set-credentials 0c1f3a52 --token-env HOOK_TOKEN")]
    SetCredentials(SetCredentialsArgs),

    /// Remove a webhook's credentials
    #[command(after_help = "Example:\n  visier-webhooks delete-credentials 0c1f3a52")]
    DeleteCredentials {
        /// Webhook id
        id: String,
    },

    /// Delete a webhook and print its last definition
    #[command(after_help = "Example:\n  visier-webhooks delete 0c1f3a52")]
    Delete {
        /// Webhook id
        id: String,
    },

    /// Send a test event to a webhook's target URL and print the receiver's status
    #[command(after_help = "\
The exit status is 0 whenever Visier responded, whatever the receiver returned: read
statusCode (0 when the receiver could not be reached) in the output.

Example:
  visier-webhooks test 0c1f3a52 --event jobResultSuccess --format json | jq .statusCode")]
    Test {
        /// Webhook id
        id: String,
        /// Event type to send, such as jobResultSuccess
        #[arg(long, value_name = "TYPE")]
        event: String,
    },

    /// List the active status and events of webhooks
    #[command(after_help = "Example:\n  visier-webhooks statuses --active --format json")]
    Statuses(ListArgs),

    /// Manage the encryption keys that sign notifications
    #[command(subcommand)]
    Keys(KeysCommand),

    /// Check the x-visier-signature of a saved notification read from stdin
    #[command(after_help = "\
Reads a raw HTTP request (request line, headers, blank line, body) from stdin, or with
--body-only just the body. On success the body is written to stdout unchanged (indented
with --pretty) and the exit status is 0; a missing, malformed or wrong signature exits
with 9.

The signature is taken to be HMAC-SHA256 over the body bytes, keyed with the key value
as key generation returned it, in hexadecimal or base64. Visier does not document the
scheme; this is the visier-webhooks library's reading of it.

Examples:
  visier-webhooks verify --key-env VISIER_SIGNING_KEY < saved-request.http | jq .
  visier-webhooks verify --key-env VISIER_SIGNING_KEY --body-only \\
      --signature \"$SIGNATURE\" < body.json")]
    Verify(VerifyArgs),

    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  visier-webhooks completions bash > /etc/bash_completion.d/visier-webhooks"
    )]
    Completions {
        /// Shell to complete for
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only active webhooks
    #[arg(long)]
    pub active: bool,
    /// Only webhooks listening for this event type, such as dvPublish
    #[arg(long, value_name = "TYPE")]
    pub event: Option<String>,
}

/// Credential flags: a user name with a password source, or an access-token source.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// User name that Visier sends to the target URL as HTTP Basic authentication
    #[arg(long, value_name = "NAME", requires = "password_source")]
    pub username: Option<String>,

    /// Read the Basic-authentication password from stdin (one trailing newline is removed)
    #[arg(long, group = "password_source", requires = "username")]
    pub password_stdin: bool,

    /// Read the Basic-authentication password from this environment variable
    #[arg(
        long,
        value_name = "VAR",
        group = "password_source",
        requires = "username"
    )]
    pub password_env: Option<String>,

    /// Read the access token that Visier sends as a Bearer token from stdin
    #[arg(long, conflicts_with_all = ["username", "password_source", "token_env"])]
    pub token_stdin: bool,

    /// Read the access token from this environment variable
    #[arg(long, value_name = "VAR", conflicts_with_all = ["username", "password_source"])]
    pub token_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// JSON WebhookRequestDTO to send as is; `-` reads stdin
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "url", "events", "name", "key_name", "username", "password_source", "token_stdin",
        "token_env",
    ])]
    pub file: Option<PathBuf>,

    /// Target URL that Visier calls
    #[arg(long, value_name = "URL", required_unless_present = "file", value_parser = parse_url)]
    pub url: Option<String>,

    /// Event type to listen for; repeat for several
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,

    /// Display name
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Name of the HmacSHA256 encryption key that signs notifications
    #[arg(long, value_name = "NAME")]
    pub key_name: Option<String>,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true).args([
    "file", "activate", "deactivate", "rename", "url", "add_event", "remove_event", "key_name",
    "no_key",
]))]
#[command(group = clap::ArgGroup::new("edit").multiple(true))]
pub struct UpdateArgs {
    /// Webhook id
    pub id: String,

    /// JSON WebhookDTO that replaces the whole webhook; `-` reads stdin. Fields left out are
    /// removed
    #[arg(long, value_name = "FILE", conflicts_with = "edit")]
    pub file: Option<PathBuf>,

    /// Set details.isActive to true
    #[arg(long, group = "edit", conflicts_with = "deactivate")]
    pub activate: bool,

    /// Set details.isActive to false
    #[arg(long, group = "edit")]
    pub deactivate: bool,

    /// Set details.displayName
    #[arg(long, value_name = "NAME", group = "edit")]
    pub rename: Option<String>,

    /// Set details.targetUrl
    #[arg(long, value_name = "URL", group = "edit", value_parser = parse_url)]
    pub url: Option<String>,

    /// Add an event type unless already listened for; repeat for several
    #[arg(long, value_name = "TYPE", group = "edit")]
    pub add_event: Vec<String>,

    /// Remove every entry of an event type; repeat for several
    #[arg(long, value_name = "TYPE", group = "edit")]
    pub remove_event: Vec<String>,

    /// Set details.keyName, the encryption key that signs notifications
    #[arg(long, value_name = "NAME", group = "edit", conflicts_with = "no_key")]
    pub key_name: Option<String>,

    /// Remove details.keyName, so notifications are no longer signed
    #[arg(long, group = "edit")]
    pub no_key: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("secret").required(true).multiple(true)
    .args(["username", "token_stdin", "token_env"]))]
pub struct SetCredentialsArgs {
    /// Webhook id
    pub id: String,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List encryption keys (metadata only; values are never returned again)
    #[command(
        after_help = "Example:\n  visier-webhooks keys list --format json | jq -r '.keyDetails[].keyName'"
    )]
    List,

    /// Generate an encryption key and print it with its value, which is shown only once
    #[command(after_help = "\
Example:
  visier-webhooks keys generate webhook-signing-2025 > key.json && chmod 600 key.json
  export VISIER_SIGNING_KEY=\"$(jq -r .key key.json)\"")]
    Generate {
        /// Key name: 6 to 36 letters, digits or dashes
        name: String,
        /// HMAC algorithm; webhooks accept only HmacSHA256
        #[arg(long, default_value = "HmacSHA256", value_name = "ALGORITHM")]
        algorithm: String,
        /// UTC expiry date in ISO-8601, 2 to 10 years ahead [default: the server's, 2 years]
        #[arg(long, value_name = "ISO")]
        expiry_date: Option<String>,
    },

    /// Delete an encryption key by name
    #[command(after_help = "Example:\n  visier-webhooks keys delete webhook-signing-2023")]
    Delete {
        /// Key name
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Environment variable that contains the key value, as key generation returned it
    #[arg(long, value_name = "VAR")]
    pub key_env: String,

    /// Read only the body from stdin; the signature comes from --signature
    #[arg(long, requires = "signature")]
    pub body_only: bool,

    /// Value of the x-visier-signature header, with --body-only
    #[arg(long, value_name = "SIG", requires = "body_only")]
    pub signature: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_format_found_in_raw_arguments() {
        let cases: [(&[&str], bool); 9] = [
            (&["list", "--format", "json"], true),
            (&["--format=json", "list", "--bogus"], true),
            (&["list", "--format", "table"], false),
            (&["list", "--format=table"], false),
            (&["list"], false),
            (&["list", "--format"], false),
            (&["--format", "json", "--format", "table"], false),
            (&["--format", "table", "--format=json"], true),
            (&["get", "--", "--format", "json"], false),
        ];
        for (args, expected) in cases {
            assert_eq!(json_format_requested(args), expected, "{args:?}");
        }
    }
}
