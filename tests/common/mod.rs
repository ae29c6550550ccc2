//! Shared setup of the integration tests: an emulator on loopback and clients for it.

#![allow(dead_code)]

pub mod stub;
pub mod tls_server;

use std::time::Duration;

use visier_webhooks::{ApiVersion, Auth, Client, ClientBuilder, RetryPolicy};
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD, DEFAULT_USER,
};

/// Starts an emulator with default settings.
pub fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default()).expect("emulator starts on loopback")
}

/// Starts an emulator with `change` applied to the default settings.
pub fn emulator_with(change: impl FnOnce(&mut EmulatorConfig)) -> Emulator {
    let mut config = EmulatorConfig::default();
    change(&mut config);
    Emulator::start(config).expect("emulator starts on loopback")
}

/// Username and password of the emulator's default user.
pub fn user_auth() -> Auth {
    Auth::UsernamePassword {
        username: DEFAULT_USER.into(),
        password: DEFAULT_PASSWORD.into(),
    }
}

/// OAuth password grant with the emulator's default client and user.
pub fn oauth_auth() -> Auth {
    Auth::OAuthPassword {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: DEFAULT_CLIENT_SECRET.into(),
        username: DEFAULT_USER.into(),
        password: DEFAULT_PASSWORD.into(),
    }
}

/// Returns a builder for the emulator with short timeouts and fast retries, so failing tests end
/// quickly.
pub fn builder(emulator: &Emulator, auth: Auth) -> ClientBuilder {
    Client::builder()
        .host(emulator.base_url())
        .api_key(DEFAULT_API_KEY)
        .auth(auth)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(200)),
        )
}

/// Returns a client of the emulator authenticated with the default user.
pub fn client(emulator: &Emulator) -> Client {
    builder(emulator, user_auth())
        .build()
        .expect("client builds")
}

/// A client of the emulator for one API version.
pub fn client_for_version(emulator: &Emulator, version: ApiVersion) -> Client {
    builder(emulator, user_auth())
        .api_version(version)
        .build()
        .expect("client builds")
}
