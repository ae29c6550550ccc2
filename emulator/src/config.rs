//! The emulator's settings.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The API key accepted by default.
pub const DEFAULT_API_KEY: &str = "emulator-api-key";
/// The user name accepted by default by both token endpoints.
pub const DEFAULT_USER: &str = "emulator-user";
/// The password of [`DEFAULT_USER`].
pub const DEFAULT_PASSWORD: &str = "emulator-password";
/// The OAuth 2.0 client id accepted by default.
pub const DEFAULT_CLIENT_ID: &str = "emulator-client";
/// The secret of [`DEFAULT_CLIENT_ID`].
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";

/// Settings of an [`Emulator`](crate::Emulator). Every field states its default.
///
/// `Debug` masks API keys, passwords and client secrets.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Address to listen on. Default `127.0.0.1:0`, where port 0 picks any free port.
    pub listen: SocketAddr,
    /// Accepted values of the `apikey` header. Default `[DEFAULT_API_KEY]`.
    pub api_keys: Vec<String>,
    /// Accepted `(user name, password)` pairs. Default `[(DEFAULT_USER, DEFAULT_PASSWORD)]`.
    pub users: Vec<(String, String)>,
    /// Accepted OAuth 2.0 `(client id, client secret)` pairs.
    /// Default `[(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)]`.
    pub oauth_clients: Vec<(String, String)>,
    /// Lifetime of security and access tokens; refresh tokens live ten times as long.
    /// Default 3600 s.
    pub token_ttl: Duration,
    /// Store any non-empty event type instead of only the ten documented ones. Default false.
    pub accept_any_event_type: bool,
    /// Deliver notifications to any host instead of loopback addresses only. Default false.
    pub deliver_to_any_host: bool,
    /// Time limit of one notification attempt, from connecting to reading the status.
    /// Default 5 s.
    pub delivery_timeout: Duration,
    /// Retries after a failed first attempt of an event notification (test events are never
    /// retried). Default 3.
    pub delivery_retries: u32,
    /// Requests per minute and API key before the emulator returns 429. Default `None`: no
    /// limit is enforced, but the rate-limit headers are still sent with Visier's default
    /// limits of 100 a minute and 6000 an hour.
    pub rate_limit_per_minute: Option<u32>,
    /// Print one line per request on stderr. Default false (the binary turns it on).
    pub log_requests: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            users: vec![(DEFAULT_USER.to_owned(), DEFAULT_PASSWORD.to_owned())],
            oauth_clients: vec![(
                DEFAULT_CLIENT_ID.to_owned(),
                DEFAULT_CLIENT_SECRET.to_owned(),
            )],
            token_ttl: Duration::from_secs(3600),
            accept_any_event_type: false,
            deliver_to_any_host: false,
            delivery_timeout: Duration::from_secs(5),
            delivery_retries: 3,
            rate_limit_per_minute: None,
            log_requests: false,
        }
    }
}

/// Shows names in full and secrets as `***`.
struct Masked<'a>(&'a [(String, String)]);

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| (name, "***")))
            .finish()
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked_keys: Vec<&str> = self.api_keys.iter().map(|_| "***").collect();
        f.debug_struct("EmulatorConfig")
            .field("listen", &self.listen)
            .field("api_keys", &masked_keys)
            .field("users", &Masked(&self.users))
            .field("oauth_clients", &Masked(&self.oauth_clients))
            .field("token_ttl", &self.token_ttl)
            .field("accept_any_event_type", &self.accept_any_event_type)
            .field("deliver_to_any_host", &self.deliver_to_any_host)
            .field("delivery_timeout", &self.delivery_timeout)
            .field("delivery_retries", &self.delivery_retries)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("log_requests", &self.log_requests)
            .finish()
    }
}
