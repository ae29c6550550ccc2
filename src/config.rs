//! Client configuration: the builder, environment variables and their defaults.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Path version of the webhook endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/v1/op/...`, Visier's current version and the default.
    #[default]
    V1,
    /// `/v1beta/op/...`, the version of Visier's published code samples.
    V1Beta,
}

impl ApiVersion {
    /// Returns the path segment: `v1` or `v1beta`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V1Beta => "v1beta",
        }
    }

    /// Parses `v1` or `v1beta` (case-insensitive).
    pub fn parse(value: &str) -> Result<ApiVersion> {
        match value.trim().to_ascii_lowercase().as_str() {
            "v1" => Ok(ApiVersion::V1),
            "v1beta" => Ok(ApiVersion::V1Beta),
            _ => Err(Error::Config(format!(
                "unknown API version {value:?}; use \"v1\" or \"v1beta\""
            ))),
        }
    }
}

/// Authentication mode of the client, besides the `apikey` header that every call sends.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A ready security token, sent as `Cookie: VisierASIDToken=...`. It cannot be renewed, so
    /// a 401 is returned as an error.
    SecurityToken(Secret),
    /// A username and password, exchanged for a security token at
    /// `POST /v1/admin/visierSecureToken`. A new token is fetched once when a call gets 401.
    UsernamePassword {
        /// Visier user name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// OAuth 2.0 password grant at `POST /v1/auth/oauth2/token`; the access token is sent as
    /// `Authorization: Bearer`. It is renewed with the refresh token before `expires_in` runs
    /// out, and fetched anew once when a call gets 401.
    OAuthPassword {
        /// OAuth client id, sent with the secret as HTTP Basic authentication.
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// Visier user name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// A ready bearer token (for example an OAuth access token obtained elsewhere), sent as
    /// `Authorization: Bearer`. It cannot be renewed.
    BearerToken(Secret),
}

impl Auth {
    /// Returns `true` when the client can fetch a new token after a 401.
    pub(crate) fn can_renew(&self) -> bool {
        matches!(
            self,
            Auth::UsernamePassword { .. } | Auth::OAuthPassword { .. }
        )
    }

    fn mode_name(&self) -> &'static str {
        match self {
            Auth::SecurityToken(_) => "SecurityToken",
            Auth::UsernamePassword { .. } => "UsernamePassword",
            Auth::OAuthPassword { .. } => "OAuthPassword",
            Auth::BearerToken(_) => "BearerToken",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct(self.mode_name());
        match self {
            Auth::UsernamePassword { username, .. } => {
                out.field("username", username).field("password", &"***");
            }
            Auth::OAuthPassword {
                client_id,
                username,
                ..
            } => {
                out.field("client_id", client_id)
                    .field("client_secret", &"***")
                    .field("username", username)
                    .field("password", &"***");
            }
            Auth::SecurityToken(_) | Auth::BearerToken(_) => {
                out.field("token", &"***");
            }
        }
        out.finish()
    }
}

/// Root certificates that verify the server's TLS certificate. Verification is never turned
/// off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsRoots {
    /// Mozilla's root certificates, bundled in the library (default).
    #[default]
    Bundled,
    /// The certificates of a PEM file, alone. Use this behind a TLS-inspecting proxy whose CA
    /// is not a public one.
    CaFile(PathBuf),
    /// The operating system's verifier and roots. Needs the cargo feature `platform-roots`.
    Platform,
}

/// Default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default overall timeout of one request attempt, body included: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit on a response body: 4 MiB. A webhook list contains at most 20 webhooks, so
/// real responses are a few kilobytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// Settings of a [`Client`], set through [`ClientBuilder`] or [`ClientBuilder::from_env`].
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) host: Option<String>,
    pub(crate) vanity: Option<String>,
    pub(crate) api_key: Option<Secret>,
    pub(crate) auth: Option<Auth>,
    pub(crate) target_tenant_id: Option<String>,
    pub(crate) api_version: ApiVersion,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) retry: RetryPolicy,
    pub(crate) allow_insecure_http: bool,
    pub(crate) tls_roots: TlsRoots,
    pub(crate) use_env_proxy: bool,
    pub(crate) user_agent: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            host: None,
            vanity: None,
            api_key: None,
            auth: None,
            target_tenant_id: None,
            api_version: ApiVersion::V1,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            allow_insecure_http: false,
            tls_roots: TlsRoots::Bundled,
            use_env_proxy: true,
            user_agent: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "host",
                &self.host.as_deref().map(crate::transport::redact_user_info),
            )
            .field("vanity", &self.vanity)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("auth", &self.auth)
            .field("target_tenant_id", &self.target_tenant_id)
            .field("api_version", &self.api_version)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("tls_roots", &self.tls_roots)
            .field("use_env_proxy", &self.use_env_proxy)
            .finish()
    }
}

/// Environment variables that [`ClientBuilder::from_env`] reads.
pub const ENV_VARIABLES: [&str; 12] = [
    "VISIER_HOST",
    "VISIER_VANITY",
    "VISIER_APIKEY",
    "VISIER_USERNAME",
    "VISIER_PASSWORD",
    "VISIER_CLIENT_ID",
    "VISIER_CLIENT_SECRET",
    "VISIER_TARGET_TENANT_ID",
    "VISIER_SECURITY_TOKEN",
    "VISIER_ACCESS_TOKEN",
    "VISIER_API_VERSION",
    "VISIER_ALLOW_INSECURE_HTTP",
];

impl ClientBuilder {
    /// Creates a builder with every default and no host, API key or authentication.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// Creates a builder from the `VISIER_*` environment variables, the ones Visier's Python
    /// SDK reads plus a few for ready tokens:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `VISIER_HOST` | full base URL, such as `https://acme.api.visier.io` |
    /// | `VISIER_VANITY` | tenant vanity name; gives `https://{vanity}.api.visier.io` when `VISIER_HOST` is unset, and is sent as `vanityName` when fetching a security token |
    /// | `VISIER_APIKEY` | API key, sent as the `apikey` header (required) |
    /// | `VISIER_USERNAME`, `VISIER_PASSWORD` | user credentials |
    /// | `VISIER_CLIENT_ID`, `VISIER_CLIENT_SECRET` | OAuth client; with the user credentials, selects the OAuth password grant |
    /// | `VISIER_SECURITY_TOKEN` | ready security token (cookie) |
    /// | `VISIER_ACCESS_TOKEN` | ready bearer token |
    /// | `VISIER_TARGET_TENANT_ID` | sent as `TargetTenantID` |
    /// | `VISIER_API_VERSION` | `v1` (default) or `v1beta` |
    /// | `VISIER_ALLOW_INSECURE_HTTP` | `1` or `true` allows `http://` to a host other than loopback |
    ///
    /// Exactly one authentication mode must result. Empty variables count as unset.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable when one is missing, invalid or contradicts
    /// another.
    pub fn from_env() -> Result<ClientBuilder> {
        ClientBuilder::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::from_env`], reading variables through `lookup`, so that tests and
    /// embedders can supply their own map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut builder = ClientBuilder::new();

        builder.host = get("VISIER_HOST");
        builder.vanity = get("VISIER_VANITY");
        if builder.host.is_none() && builder.vanity.is_none() {
            return Err(Error::Config(
                "missing VISIER_HOST or VISIER_VANITY: set VISIER_HOST to the API base URL \
                 (such as https://acme.api.visier.io) or VISIER_VANITY to the tenant's vanity \
                 name"
                    .into(),
            ));
        }
        builder.api_key = Some(Secret::new(get("VISIER_APIKEY").ok_or_else(|| {
            Error::Config("missing VISIER_APIKEY: set it to the tenant's API key".into())
        })?));
        builder.target_tenant_id = get("VISIER_TARGET_TENANT_ID");
        if let Some(version) = get("VISIER_API_VERSION") {
            builder.api_version = ApiVersion::parse(&version).map_err(|_| {
                Error::Config(format!(
                    "invalid VISIER_API_VERSION {version:?}: use \"v1\" or \"v1beta\""
                ))
            })?;
        }
        if let Some(flag) = get("VISIER_ALLOW_INSECURE_HTTP") {
            builder.allow_insecure_http = match flag.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(Error::Config(format!(
                        "invalid VISIER_ALLOW_INSECURE_HTTP {flag:?}: use true, false, 1, 0, yes \
                         or no"
                    )))
                }
            };
        }
        builder.auth = Some(auth_from_variables(&get)?);
        Ok(builder)
    }

    /// Sets the API base URL, such as `https://acme.api.visier.io`. A path prefix is kept.
    pub fn host(mut self, url: impl Into<String>) -> Self {
        self.host = Some(url.into());
        self
    }

    /// Sets the tenant's vanity name. It gives the host `https://{vanity}.api.visier.io` when
    /// no host is set, and is sent as `vanityName` when fetching a security token.
    pub fn vanity(mut self, vanity: impl Into<String>) -> Self {
        self.vanity = Some(vanity.into());
        self
    }

    /// Sets the API key, sent as the `apikey` header on every call. Required.
    pub fn api_key(mut self, api_key: impl Into<Secret>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Sets the authentication mode. Required.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Sets the tenant that an administrating tenant acts on, sent as `TargetTenantID`.
    /// Default: unset.
    pub fn target_tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.target_tenant_id = Some(tenant_id.into());
        self
    }

    /// Sets the path version of the webhook endpoints. Default: [`ApiVersion::V1`].
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Sets the connect timeout (TCP and TLS). Default: [`DEFAULT_CONNECT_TIMEOUT`], 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the overall timeout of one request attempt, from connecting to the last byte of
    /// the body. Retries get a fresh timeout each, within the retry policy's total time.
    /// Default: [`DEFAULT_TIMEOUT`], 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the largest response body read, in bytes. A larger body gives
    /// [`Error::ResponseTooLarge`] after reading at most this many bytes. Default:
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 4 MiB.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sets when and how requests are retried. Default: [`RetryPolicy::default`];
    /// [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Allows `http://` to a host other than loopback. Default: `false`, because plain HTTP
    /// would send the API key and tokens in the clear. Loopback hosts (`localhost`,
    /// 127.0.0.0/8, `[::1]`) are always allowed, for the emulator.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets the root certificates. Default: [`TlsRoots::Bundled`].
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = roots;
        self
    }

    /// Sets whether a proxy is taken from `HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY` (either
    /// case), honouring `NO_PROXY`. Default: `true`.
    pub fn use_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
        self
    }

    /// Sets the `User-Agent` header. Default: `visier-webhooks/{version}`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Checks the settings and creates the client. No request is sent: tokens are fetched on
    /// the first call.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the host, API key or authentication is missing or invalid, or
    /// when the host is `http://` to a host other than loopback without
    /// [`ClientBuilder::allow_insecure_http`].
    pub fn build(self) -> Result<Client> {
        Client::from_builder(self)
    }
}

impl ClientBuilder {
    /// Rejects settings that would fail on every call: values sent in headers that contain a
    /// control character (which could also split a header), zero timeouts and a zero size
    /// limit. Messages name the setting, never its value.
    pub(crate) fn check_values(&self) -> Result<()> {
        let mut header_values: Vec<(&str, &str)> = Vec::new();
        if let Some(key) = &self.api_key {
            header_values.push(("API key (VISIER_APIKEY)", key.expose()));
        }
        if let Some(tenant) = &self.target_tenant_id {
            header_values.push(("target tenant id (VISIER_TARGET_TENANT_ID)", tenant));
        }
        if let Some(user_agent) = &self.user_agent {
            header_values.push(("user agent", user_agent));
        }
        match &self.auth {
            Some(Auth::SecurityToken(token)) => {
                header_values.push(("security token (VISIER_SECURITY_TOKEN)", token.expose()))
            }
            Some(Auth::BearerToken(token)) => {
                header_values.push(("access token (VISIER_ACCESS_TOKEN)", token.expose()))
            }
            Some(Auth::OAuthPassword {
                client_id,
                client_secret,
                ..
            }) => {
                if client_id.contains(':') {
                    return Err(Error::Config(
                        "invalid OAuth client id (VISIER_CLIENT_ID): it contains ':', which \
                         HTTP Basic authentication cannot carry in a user id"
                            .into(),
                    ));
                }
                header_values.push(("OAuth client id (VISIER_CLIENT_ID)", client_id));
                header_values.push((
                    "OAuth client secret (VISIER_CLIENT_SECRET)",
                    client_secret.expose(),
                ));
            }
            Some(Auth::UsernamePassword { .. }) | None => {}
        }
        for (setting, value) in header_values {
            if value.is_empty() {
                return Err(Error::Config(format!("invalid {setting}: it is empty")));
            }
            if value.contains(|c: char| c.is_control()) {
                return Err(Error::Config(format!(
                    "invalid {setting}: it contains a control character such as a line break"
                )));
            }
        }
        for (setting, duration) in [
            ("timeout", self.timeout),
            ("connect timeout", self.connect_timeout),
        ] {
            if duration.is_zero() {
                return Err(Error::Config(format!(
                    "invalid {setting}: it is zero, so every call would time out; use at least \
                     a few seconds"
                )));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(Error::Config(
                "invalid max_response_bytes: it is zero, so every response would be too large"
                    .into(),
            ));
        }
        Ok(())
    }
}

fn auth_from_variables(get: &impl Fn(&str) -> Option<String>) -> Result<Auth> {
    let username = get("VISIER_USERNAME");
    let password = get("VISIER_PASSWORD");
    let client_id = get("VISIER_CLIENT_ID");
    let client_secret = get("VISIER_CLIENT_SECRET");
    let security_token = get("VISIER_SECURITY_TOKEN");
    let access_token = get("VISIER_ACCESS_TOKEN");

    if security_token.is_some() && access_token.is_some() {
        return Err(Error::Config(
            "VISIER_SECURITY_TOKEN and VISIER_ACCESS_TOKEN are both set: keep only one".into(),
        ));
    }
    let ready_token = if security_token.is_some() {
        Some("VISIER_SECURITY_TOKEN")
    } else if access_token.is_some() {
        Some("VISIER_ACCESS_TOKEN")
    } else {
        None
    };
    if let Some(token_variable) = ready_token {
        for other in [
            "VISIER_USERNAME",
            "VISIER_PASSWORD",
            "VISIER_CLIENT_ID",
            "VISIER_CLIENT_SECRET",
        ] {
            if get(other).is_some() {
                return Err(Error::Config(format!(
                    "{token_variable} and {other} are both set: a ready token and credentials \
                     contradict each other; unset one of them"
                )));
            }
        }
    }
    if let Some(token) = security_token {
        return Ok(Auth::SecurityToken(Secret::new(token)));
    }
    if let Some(token) = access_token {
        return Ok(Auth::BearerToken(Secret::new(token)));
    }

    match (&client_id, &client_secret) {
        (Some(_), None) => {
            return Err(Error::Config(
                "VISIER_CLIENT_ID is set but VISIER_CLIENT_SECRET is missing".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(Error::Config(
                "VISIER_CLIENT_SECRET is set but VISIER_CLIENT_ID is missing".into(),
            ))
        }
        _ => {}
    }
    let (username, password) = match (username, password) {
        (Some(username), Some(password)) => (username, Secret::new(password)),
        (Some(_), None) => {
            return Err(Error::Config(
                "VISIER_USERNAME is set but VISIER_PASSWORD is missing".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(Error::Config(
                "VISIER_PASSWORD is set but VISIER_USERNAME is missing".into(),
            ))
        }
        (None, None) => {
            let detail = if client_id.is_some() {
                "VISIER_CLIENT_ID needs VISIER_USERNAME and VISIER_PASSWORD for the OAuth \
                 password grant"
            } else {
                "no authentication configured: set VISIER_USERNAME and VISIER_PASSWORD, \
                 VISIER_SECURITY_TOKEN, or VISIER_ACCESS_TOKEN"
            };
            return Err(Error::Config(detail.into()));
        }
    };
    match (client_id, client_secret) {
        (Some(client_id), Some(client_secret)) => Ok(Auth::OAuthPassword {
            client_id,
            client_secret: Secret::new(client_secret),
            username,
            password,
        }),
        _ => Ok(Auth::UsernamePassword { username, password }),
    }
}
