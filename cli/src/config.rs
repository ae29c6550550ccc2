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

/// Builds a client like [`build_client`], reading variables through `environment`.
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
    let mut builder = ClientBuilder::from_lookup(lookup)?
        .user_agent(concat!("visier-webhooks-cli/", env!("CARGO_PKG_VERSION")));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::Parser;
    use visier_webhooks::ApiVersion;

    fn options(flags: &[&str]) -> GlobalOptions {
        let mut argv = vec!["visier-webhooks"];
        argv.extend_from_slice(flags);
        argv.push("list");
        Cli::parse_from(argv).global
    }

    fn environment(name: &str) -> Option<String> {
        let value = match name {
            "VISIER_HOST" => "https://env.example.com",
            "VISIER_APIKEY" => "key",
            "VISIER_ACCESS_TOKEN" => "token",
            "VISIER_API_VERSION" => "v1beta",
            _ => return None,
        };
        Some(value.to_owned())
    }

    #[test]
    fn environment_applies_without_flags() {
        let client = build_client_with(&options(&[]), environment).unwrap();
        assert_eq!(client.host(), "https://env.example.com");
        assert_eq!(client.api_version(), ApiVersion::V1Beta);
    }

    #[test]
    fn flags_take_precedence() {
        let flags = options(&["--host", "https://flag.example.com", "--api-version", "v1"]);
        let client = build_client_with(&flags, environment).unwrap();
        assert_eq!(client.host(), "https://flag.example.com");
        assert_eq!(client.api_version(), ApiVersion::V1);
    }

    #[test]
    fn vanity_flag_replaces_environment_host() {
        let client = build_client_with(&options(&["--vanity", "acme"]), environment).unwrap();
        assert_eq!(client.host(), "https://acme.api.visier.io");
    }

    #[test]
    fn host_flag_needs_no_host_variable() {
        let without_host = |name: &str| environment(name).filter(|_| name != "VISIER_HOST");
        let flags = options(&["--host", "https://flag.example.com"]);
        assert!(build_client_with(&flags, without_host).is_ok());
        assert!(build_client_with(&options(&[]), without_host).is_err());
    }
}
