//! The client handle: creation from a JSON configuration or the environment, and freeing.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::boundary::{self, Failure};
use super::result::vw_result;
use crate::client::Client;
use crate::config::{ClientBuilder, TlsRoots};
use crate::error::Error;
use crate::retry::RetryPolicy;

/// A client of the Visier Webhooks API.
///
/// Created by `vw_client_new` or `vw_client_from_env` and freed by
/// `vw_client_free`. One handle may be used by many threads at once: the
/// threads share one connection pool and one token. Freeing it while another
/// thread still uses it is undefined behaviour.
pub struct vw_client {
    pub(crate) client: Client,
}

/// Configuration keys that map to the `VISIER_*` variable read by
/// [`ClientBuilder::from_lookup`], so that the JSON configuration derives the authentication
/// mode with the same rules and contradiction checks as the environment.
const STRING_KEYS: [(&str, &str); 11] = [
    ("host", "VISIER_HOST"),
    ("vanity", "VISIER_VANITY"),
    ("apiKey", "VISIER_APIKEY"),
    ("username", "VISIER_USERNAME"),
    ("password", "VISIER_PASSWORD"),
    ("clientId", "VISIER_CLIENT_ID"),
    ("clientSecret", "VISIER_CLIENT_SECRET"),
    ("securityToken", "VISIER_SECURITY_TOKEN"),
    ("accessToken", "VISIER_ACCESS_TOKEN"),
    ("targetTenantId", "VISIER_TARGET_TENANT_ID"),
    ("apiVersion", "VISIER_API_VERSION"),
];

/// Configuration keys applied to the builder after the lookup.
const OTHER_KEYS: [&str; 6] = [
    "allowInsecureHttp",
    "timeoutMs",
    "connectTimeoutMs",
    "maxResponseBytes",
    "caFile",
    "maxAttempts",
];

fn config_error(message: String) -> Failure {
    Failure::new(vw_result::VW_ERROR_INVALID_CONFIG, message)
}

/// Reads a positive integer setting. The value itself is never echoed in the message.
fn positive_integer(config: &Map<String, Value>, key: &str) -> Result<Option<u64>, Failure> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(number) if number > 0 => Ok(Some(number)),
            _ => Err(config_error(format!(
                "invalid configuration key \"{key}\": it must be a positive integer"
            ))),
        },
    }
}

/// Replaces the `VISIER_*` names in a message of [`ClientBuilder::from_lookup`] with the
/// configuration keys the caller wrote.
fn rename_variables(message: &str) -> String {
    let mut renamed = message.to_owned();
    // No variable name is a prefix of another one, so the order of replacement is free.
    for (key, variable) in STRING_KEYS {
        renamed = renamed.replace(variable, key);
    }
    renamed = renamed.replace("VISIER_ALLOW_INSECURE_HTTP", "allowInsecureHttp");
    renamed
}

/// Builds a client builder from the JSON configuration object.
fn builder_from_json(text: &str) -> Result<ClientBuilder, Failure> {
    let value = boundary::parse_json(text, "config_json")?;
    let Value::Object(config) = value else {
        return Err(config_error(
            "invalid configuration: config_json must be a JSON object".to_owned(),
        ));
    };

    for key in config.keys() {
        let known =
            STRING_KEYS.iter().any(|(name, _)| name == key) || OTHER_KEYS.contains(&key.as_str());
        if !known {
            let mut names: Vec<&str> = STRING_KEYS.iter().map(|(name, _)| *name).collect();
            names.extend(OTHER_KEYS);
            return Err(config_error(format!(
                "unknown configuration key {key:?}; known keys: {}",
                names.join(", ")
            )));
        }
    }
    for (key, _) in STRING_KEYS.iter().chain([("caFile", "")].iter()) {
        match config.get(*key) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(_) => {
                return Err(config_error(format!(
                    "invalid configuration key \"{key}\": it must be a string"
                )))
            }
        }
    }
    let allow_insecure_http = match config.get("allowInsecureHttp") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(flag)) => Some(*flag),
        Some(_) => {
            return Err(config_error(
                "invalid configuration key \"allowInsecureHttp\": it must be true or false"
                    .to_owned(),
            ))
        }
    };

    let lookup = |variable: &str| {
        if variable == "VISIER_ALLOW_INSECURE_HTTP" {
            return allow_insecure_http.map(|flag| flag.to_string());
        }
        let (key, _) = STRING_KEYS.iter().find(|(_, name)| *name == variable)?;
        config.get(*key)?.as_str().map(str::to_owned)
    };
    let mut builder = ClientBuilder::from_lookup(lookup).map_err(|error| match error {
        Error::Config(message) => config_error(format!(
            "invalid configuration: {}",
            rename_variables(&message)
        )),
        other => Failure::Core(other),
    })?;

    if let Some(ms) = positive_integer(&config, "timeoutMs")? {
        builder = builder.timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = positive_integer(&config, "connectTimeoutMs")? {
        builder = builder.connect_timeout(Duration::from_millis(ms));
    }
    if let Some(bytes) = positive_integer(&config, "maxResponseBytes")? {
        builder = builder.max_response_bytes(bytes);
    }
    if let Some(attempts) = positive_integer(&config, "maxAttempts")? {
        let attempts = u32::try_from(attempts).map_err(|_| {
            config_error("invalid configuration key \"maxAttempts\": it is too large".to_owned())
        })?;
        builder = builder.retry_policy(RetryPolicy::default().max_attempts(attempts));
    }
    if let Some(path) = config.get("caFile").and_then(Value::as_str) {
        builder = builder.tls_roots(TlsRoots::CaFile(PathBuf::from(path)));
    }
    Ok(builder)
}

/// Creates a client from a JSON configuration object.
///
/// `config_json` is an object with these keys, all optional except as noted.
/// `null` counts as unset, and so does an empty or blank string, except for
/// `caFile`:
///
/// - `host` (string): API base URL, such as `"https://acme.api.visier.io"`.
///   `http://` is allowed only to loopback unless `allowInsecureHttp` is true.
/// - `vanity` (string): tenant vanity name. Gives
///   `https://{vanity}.api.visier.io` when `host` is unset. One of `host` and
///   `vanity` is required.
/// - `apiKey` (string, required): the API key, sent as the `apikey` header.
/// - `username` and `password` (strings): user credentials, exchanged for a
///   security token.
/// - `clientId` and `clientSecret` (strings): OAuth client. With `username` and
///   `password`, the OAuth 2.0 password grant is used instead of a security
///   token.
/// - `securityToken` (string): a ready security token. It excludes
///   `accessToken` and the credentials above.
/// - `accessToken` (string): a ready bearer token. It excludes `securityToken`
///   and the credentials above.
/// - `targetTenantId` (string): tenant an administrating tenant acts on.
///   Default: unset.
/// - `apiVersion` (string): `"v1"` (default) or `"v1beta"`.
/// - `timeoutMs` (positive integer): timeout of one request attempt, in
///   milliseconds. Default: 30000.
/// - `connectTimeoutMs` (positive integer): connect timeout, in milliseconds.
///   Default: 10000.
/// - `maxResponseBytes` (positive integer): maximum size of a response body, in
///   bytes. Default: 4194304 (4 MiB).
/// - `allowInsecureHttp` (boolean): allow `http://` to a host other than
///   loopback. Default: false.
/// - `caFile` (string): path of a PEM file whose certificates alone verify the
///   server. Default: Mozilla's roots, bundled in the library.
/// - `maxAttempts` (positive integer): attempts per call, the first included,
///   so 1 turns retries off. Default: 4.
///
/// Exactly one authentication mode must result, as with `vw_client_from_env`.
/// An unknown key is an error that names it. No request is sent: tokens are
/// fetched on the first operation.
///
/// On success, `*client_out` receives a new handle, owned by the caller and
/// freed with `vw_client_free`. On failure, `*client_out` is left unchanged and
/// the error JSON is available from `vw_last_error`. `config_json` is only read
/// during the call.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `config_json` or `client_out` is NULL.
/// - `VW_ERROR_INVALID_UTF8`, `VW_ERROR_INPUT_TOO_LARGE` (beyond 256 KiB) or
///   `VW_ERROR_INVALID_JSON` for `config_json`.
/// - `VW_ERROR_INVALID_CONFIG` for a missing, unknown, mistyped or
///   contradictory setting, or an unreadable or invalid `caFile`.
#[no_mangle]
pub extern "C" fn vw_client_new(
    config_json: *const c_char,
    client_out: *mut *mut vw_client,
) -> vw_result {
    boundary::call_handle(client_out, "client_out", || {
        // SAFETY: the caller passes NULL or a NUL-terminated string that is valid during the
        // call, as documented.
        let text =
            unsafe { boundary::read_str(config_json, "config_json", boundary::MAX_JSON_BYTES) }?;

        let client = builder_from_json(text)?.build()?;

        Ok(Box::new(vw_client { client }))
    })
}

/// Creates a client from the `VISIER_*` environment variables.
///
/// The variables are:
/// - `VISIER_HOST` or `VISIER_VANITY`.
/// - `VISIER_APIKEY` (required).
/// - `VISIER_USERNAME` and `VISIER_PASSWORD`.
/// - `VISIER_CLIENT_ID` and `VISIER_CLIENT_SECRET` (OAuth 2.0 password grant).
/// - `VISIER_SECURITY_TOKEN` or `VISIER_ACCESS_TOKEN`.
/// - `VISIER_TARGET_TENANT_ID`.
/// - `VISIER_API_VERSION`: `v1` or `v1beta`.
/// - `VISIER_ALLOW_INSECURE_HTTP`: `true`, `false`, `1`, `0`, `yes` or `no`.
///
/// Each has the meaning of the matching key of `vw_client_new`. Empty or blank
/// variables count as unset, and exactly one authentication mode must result.
/// The other settings of `vw_client_new` keep their defaults. No request is
/// sent.
///
/// On success, `*client_out` receives a new handle, owned by the caller and
/// freed with `vw_client_free`. On failure, `*client_out` is left unchanged and
/// the error JSON is available from `vw_last_error`.
///
/// Returns `VW_OK`, or else:
/// - `VW_ERROR_NULL_ARGUMENT` when `client_out` is NULL.
/// - `VW_ERROR_INVALID_CONFIG` naming the variable that is missing, invalid or
///   contradicts another.
#[no_mangle]
pub extern "C" fn vw_client_from_env(client_out: *mut *mut vw_client) -> vw_result {
    boundary::call_handle(client_out, "client_out", || {
        let client = Client::from_env()?;
        Ok(Box::new(vw_client { client }))
    })
}

/// Frees a client handle. NULL is accepted and does nothing.
///
/// The handle must come from `vw_client_new` or `vw_client_from_env`, must not
/// be used by any thread afterwards, and must not be freed twice.
#[no_mangle]
pub extern "C" fn vw_client_free(client: *mut vw_client) {
    if client.is_null() {
        return;
    }
    // Dropping a client cannot fail; a panic in a destructor would still be caught and
    // recorded as the thread's last error, since there is no result to return it in.
    boundary::call(|| {
        // SAFETY: the caller passes a handle from Box::into_raw in vw_client_new or
        // vw_client_from_env that no thread uses any more and that was not freed before.
        drop(unsafe { Box::from_raw(client) });
        Ok(())
    });
}

/// Returns the client inside a handle.
///
/// # Safety
///
/// `client` is NULL or a live handle from `vw_client_new` or `vw_client_from_env` that stays
/// alive for `'a`.
pub(crate) unsafe fn client_ref<'a>(client: *const vw_client) -> Result<&'a Client, Failure> {
    if client.is_null() {
        return Err(Failure::new(
            vw_result::VW_ERROR_NULL_ARGUMENT,
            "client is NULL",
        ));
    }
    // SAFETY: not NULL, and live for 'a by this function's contract.
    Ok(unsafe { &(*client).client })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_message(json: &str) -> String {
        match builder_from_json(json) {
            Ok(_) => panic!("{json} was accepted"),
            Err(Failure::Caller(result, message)) => {
                assert_eq!(
                    result,
                    vw_result::VW_ERROR_INVALID_CONFIG,
                    "{json}: {message}"
                );
                message
            }
            Err(Failure::Core(error)) => panic!("{json}: core error {error}"),
        }
    }

    #[test]
    fn unknown_key_is_named() {
        let message = config_message(r#"{"host":"http://127.0.0.1:1","apiKey":"k","hots":1}"#);
        assert!(message.contains("\"hots\""), "{message}");
    }

    #[test]
    fn contradictions_name_the_keys() {
        let message = config_message(
            r#"{"host":"http://127.0.0.1:1","apiKey":"k","securityToken":"t","username":"u"}"#,
        );
        assert!(message.contains("securityToken"), "{message}");
        assert!(message.contains("username"), "{message}");
        assert!(!message.contains("VISIER_"), "{message}");
    }

    #[test]
    fn wrong_types_are_rejected_without_values() {
        let cases = [
            r#"{"host":"http://127.0.0.1:1","apiKey":"k","accessToken":"t","timeoutMs":"5"}"#,
            r#"{"host":"http://127.0.0.1:1","apiKey":"k","accessToken":"t","maxAttempts":0}"#,
            r#"{"host":"http://127.0.0.1:1","apiKey":"k","accessToken":"t","password":12345}"#,
            r#"{"host":"http://127.0.0.1:1","apiKey":"k","accessToken":"t","allowInsecureHttp":1}"#,
        ];
        for json in cases {
            let message = config_message(json);
            assert!(!message.contains("12345"), "{message}");
        }
    }

    #[test]
    fn complete_configuration_is_accepted() {
        let json = r#"{"host":"http://127.0.0.1:1","apiKey":"k","username":"u","password":"p",
            "clientId":"c","clientSecret":"s","targetTenantId":"t","apiVersion":"v1beta",
            "timeoutMs":500,"connectTimeoutMs":200,"maxResponseBytes":1000,
            "allowInsecureHttp":false,"maxAttempts":1}"#;
        let builder = builder_from_json(json).unwrap_or_else(|_| panic!("rejected"));
        assert_eq!(builder.timeout, Duration::from_millis(500));
        assert_eq!(builder.connect_timeout, Duration::from_millis(200));
        assert_eq!(builder.max_response_bytes, 1000);
        assert_eq!(builder.retry.max_attempts, 1);
        assert_eq!(builder.api_version, crate::config::ApiVersion::V1Beta);
        assert!(matches!(
            builder.auth,
            Some(crate::config::Auth::OAuthPassword { .. })
        ));
    }
}
