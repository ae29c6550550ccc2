//! The client configuration: `VISIER_*` environment variables, overridden by global flags.

use std::time::Duration;

use visier_webhooks::{Client, ClientBuilder, Error, RetryPolicy, DEFAULT_CONNECT_TIMEOUT};

use crate::args::GlobalOptions;

/// Builds a client from the environment, with the values of `--host`, `--vanity`,
/// `--api-version`, `--tenant`, `--timeout` and `--retries` taking precedence.
///
/// `--vanity` without `--host` also hides `VISIER_HOST`, because the library prefers a host
/// to a vanity name and the flag would otherwise have no effect.
pub fn build_client(options: &GlobalOptions) -> Result<Client, Error> {
    build_client_with(options, |name| std::env::var(name).ok())
}

/// Like [`build_client`], reading variables through `environment`.
pub fn build_client_with(
    options: &GlobalOptions,
    environment: impl Fn(&str) -> Option<String>,
) -> Result<Client, Error> {
    let lookup = |name: &str| -> Option<String> {
        let flag = match name {
            "VISIER_HOST" if options.host.is_none() && options.vanity.is_some() => return None,
            "VISIER_HOST" => options.host.clone(),
            "VISIER_VANITY" => options.vanity.clone(),
            "VISIER_API_VERSION" => options.api_version.map(|v| v.as_str().to_owned()),
            "VISIER_TARGET_TENANT_ID" => options.tenant.clone(),
            _ => None,
        };
        flag.or_else(|| environment(name))
    };
    let mut builder = ClientBuilder::from_lookup(lookup)?.user_agent(concat!(
        "visier-webhooks-cli/",
        env!("CARGO_PKG_VERSION")
    ));
    if let Some(seconds) = options.timeout {
        let timeout = Duration::from_secs_f64(seconds);
        builder = builder
            .timeout(timeout)
            .connect_timeout(timeout.min(DEFAULT_CONNECT_TIMEOUT));
    }
    if let Some(retries) = options.retries {
        let attempts = retries.saturating_add(1);
        builder = builder.retry_policy(RetryPolicy::default().max_attempts(attempts));
    }
    builder.build()
}
