//! Sending one request: the ureq agent, timeouts, size limit, retries and logging.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use ureq::http;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::config::{ClientBuilder, TlsRoots};
use crate::endpoint::Method;
use crate::error::{ApiError, Error, Result};
use crate::retry::{parse_retry_after, RetryPolicy};

/// Scheme, host and optional path prefix of the API, without a trailing slash.
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl {
    url: String,
}

impl BaseUrl {
    /// Parses and checks a base URL: `https://`, or `http://` to loopback (or anywhere with
    /// `allow_insecure_http`). No query or fragment.
    pub(crate) fn parse(url: &str, allow_insecure_http: bool) -> Result<BaseUrl> {
        // Messages show the URL without its user information, which may hold a password.
        let raw = redact_user_info(url);
        let raw = raw.as_str();
        let trimmed = url.trim().trim_end_matches('/');
        let (scheme, rest) = trimmed.split_once("://").ok_or_else(|| {
            Error::Config(format!(
                "invalid host URL {raw:?}: it needs a scheme, such as https://acme.api.visier.io"
            ))
        })?;
        let scheme = scheme.to_ascii_lowercase();
        if rest.contains(['?', '#']) || rest.contains(char::is_whitespace) {
            return Err(Error::Config(format!(
                "invalid host URL {raw:?}: remove the query, fragment or spaces"
            )));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            // The URL is not echoed, because the part before '@' is a credential.
            return Err(Error::Config(
                "invalid host URL: user information (user:password@) in the URL is not \
                 supported; use the API key and authentication settings"
                    .into(),
            ));
        }
        let host = host_of_authority(authority);
        if host.is_empty() {
            return Err(Error::Config(format!(
                "invalid host URL {raw:?}: the host name is missing"
            )));
        }
        match scheme.as_str() {
            "https" => {}
            "http" if allow_insecure_http || is_loopback_host(host) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "insecure host URL {raw:?}: plain http would send the API key and tokens \
                     in the clear; use https, or allow it explicitly with \
                     ClientBuilder::allow_insecure_http (VISIER_ALLOW_INSECURE_HTTP=true)"
                )))
            }
            other => {
                return Err(Error::Config(format!(
                    "invalid host URL {raw:?}: unsupported scheme {other:?}; use https"
                )))
            }
        }
        Ok(BaseUrl {
            url: format!("{scheme}://{rest}"),
        })
    }

    pub(crate) fn join(&self, path_and_query: &str) -> String {
        format!("{}{}", self.url, path_and_query)
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.url
    }
}

/// Replaces the user information of a URL (`user:password@`) with `***@`, for `Debug` output.
pub(crate) fn redact_user_info(url: &str) -> String {
    let (prefix, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{prefix}***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

fn host_of_authority(authority: &str) -> &str {
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

/// Returns `true` for `localhost`, 127.0.0.0/8 and `::1`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>()
        .is_ok_and(|address| address.is_loopback())
}

/// A request ready to send, possibly several times.
pub(crate) struct Request<'a> {
    pub method: Method,
    /// Path and query, appended to the base URL. Logged and put in errors, so it never
    /// contains a secret.
    pub path: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<(&'static str, &'a [u8])>,
    /// Whether the request may be repeated after it may have reached the server.
    pub idempotent: bool,
}

/// A 2xx response.
pub(crate) struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A completed exchange of one attempt: any status.
struct Exchange {
    status: u16,
    body: Vec<u8>,
    location: Option<String>,
    retry_after: Option<Duration>,
}

/// Failure of one attempt, with whether the request may have reached the server.
enum AttemptFailure {
    /// The request certainly did not reach the server.
    NotSent(Error),
    /// The request may have reached the server.
    MaybeSent(Error),
    /// The request did not reach the server, and repeating it would fail the same way (a
    /// certificate that does not verify, a malformed request).
    Permanent(Error),
}

pub(crate) struct Transport {
    agent: ureq::Agent,
    pub(crate) base: BaseUrl,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: u64,
}

impl Transport {
    pub(crate) fn new(builder: &ClientBuilder, base: BaseUrl) -> Result<Transport> {
        let user_agent = builder
            .user_agent
            .clone()
            .unwrap_or_else(|| format!("visier-webhooks/{}", env!("CARGO_PKG_VERSION")));
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(root_certs(&builder.tls_roots)?)
            .build();
        let proxy = if builder.use_env_proxy {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let config = ureq::Agent::config_builder()
            // Error statuses come back as responses, so Visier's error body can be read.
            .http_status_as_error(false)
            // Redirects are never followed: a 3xx becomes Error::Redirect, so the API key and
            // tokens never reach another URL.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(builder.connect_timeout))
            .timeout_global(Some(builder.timeout))
            .user_agent(user_agent)
            .tls_config(tls)
            .proxy(proxy)
            .build();
        Ok(Transport {
            agent: ureq::Agent::with_parts(
                config,
                DefaultConnector::default(),
                CachingResolver::default(),
            ),
            base,
            retry: builder.retry.clone(),
            timeout: builder.timeout,
            connect_timeout: builder.connect_timeout,
            max_response_bytes: builder.max_response_bytes,
        })
    }

    /// Sends the request, retrying as the policy allows, and returns a 2xx response. Any other
    /// final status becomes [`Error::Api`] (or [`Error::Redirect`] for 3xx).
    pub(crate) fn send(&self, request: &Request<'_>) -> Result<Response> {
        let started = Instant::now();
        let mut attempt = 1;
        // Set once an attempt may have been applied before it failed, so that a DELETE repeated
        // after it that gets 404 is not reported as "not found".
        let mut earlier_attempt_may_have_applied = false;
        loop {
            let attempt_started = Instant::now();
            let outcome = self.attempt(request);
            let elapsed_ms = attempt_started.elapsed().as_millis();
            let method = request.method.as_str();
            let path = request.path;

            let exchange = match outcome {
                Ok(exchange) => exchange,
                Err(failure) => {
                    let (error, retryable) = match failure {
                        AttemptFailure::NotSent(error) => (error, true),
                        AttemptFailure::MaybeSent(error) => {
                            earlier_attempt_may_have_applied = true;
                            (error, request.idempotent)
                        }
                        AttemptFailure::Permanent(error) => return Err(error),
                    };
                    log::debug!(
                        "{method} {path} failed in {elapsed_ms} ms (attempt {attempt}): {error}"
                    );
                    if retryable {
                        if let Some(wait) = self.wait_before_retry(attempt, started, None) {
                            log::warn!(
                                "retrying {method} {path} in {} ms after attempt {attempt}: {error}",
                                wait.as_millis()
                            );
                            std::thread::sleep(wait);
                            attempt += 1;
                            continue;
                        }
                        return Err(error);
                    }
                    return Err(Error::OutcomeUnknown {
                        method,
                        path: path.to_owned(),
                        source: Box::new(error),
                    });
                }
            };

            let status = exchange.status;
            log::debug!("{method} {path} -> {status} in {elapsed_ms} ms (attempt {attempt})");
            if (200..300).contains(&status) {
                return Ok(Response {
                    status,
                    body: exchange.body,
                });
            }
            if (300..400).contains(&status) {
                return Err(Error::Redirect {
                    method,
                    path: path.to_owned(),
                    status,
                    location: exchange.location,
                });
            }

            let retryable_status = match status {
                429 => true,
                502..=504 => request.idempotent,
                _ => false,
            };
            let error = Error::Api(Box::new(ApiError::from_response(
                method,
                path.to_owned(),
                status,
                &exchange.body,
                exchange.retry_after,
            )));
            if status == 404 && request.method == Method::Delete && earlier_attempt_may_have_applied
            {
                return Err(Error::OutcomeUnknown {
                    method,
                    path: path.to_owned(),
                    source: Box::new(error),
                });
            }
            if retryable_status {
                if matches!(status, 502 | 504) {
                    earlier_attempt_may_have_applied = true;
                }
                if let Some(wait) = self.wait_before_retry(attempt, started, exchange.retry_after) {
                    log::warn!(
                        "retrying {method} {path} in {} ms after status {status} (attempt {attempt})",
                        wait.as_millis()
                    );
                    std::thread::sleep(wait);
                    attempt += 1;
                    continue;
                }
            }
            if !request.idempotent && matches!(status, 502..=504) {
                return Err(Error::OutcomeUnknown {
                    method,
                    path: path.to_owned(),
                    source: Box::new(error),
                });
            }
            return Err(error);
        }
    }

    /// Returns how long to wait before the next attempt, or `None` when the policy allows no
    /// more.
    fn wait_before_retry(
        &self,
        attempt: u32,
        started: Instant,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.retry.max_attempts {
            return None;
        }
        let wait = match retry_after {
            Some(wait) if wait > self.retry.max_retry_after => return None,
            Some(wait) => wait,
            None => self.retry.backoff(attempt),
        };
        if started.elapsed().saturating_add(wait) >= self.retry.max_total {
            return None;
        }
        Some(wait)
    }

    fn attempt(&self, request: &Request<'_>) -> Result<Exchange, AttemptFailure> {
        let url = self.base.join(request.path);
        let method = request.method.as_str();
        let mut builder = http::Request::builder().method(method).uri(&url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let result = match request.body {
            Some((content_type, body)) => {
                let built = builder
                    .header("content-type", content_type)
                    .body(body)
                    .map_err(|error| {
                        AttemptFailure::Permanent(self.invalid_request(request, error))
                    })?;
                self.agent.run(built)
            }
            None => {
                let built = builder.body(()).map_err(|error| {
                    AttemptFailure::Permanent(self.invalid_request(request, error))
                })?;
                self.agent.run(built)
            }
        };
        let mut response = result.map_err(|error| self.classify(request, error))?;

        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let retry_after =
            header("retry-after").and_then(|value| parse_retry_after(&value, SystemTime::now()));
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map_err(|error| self.classify(request, error))?;
        Ok(Exchange {
            status,
            body,
            location,
            retry_after,
        })
    }

    fn invalid_request(&self, request: &Request<'_>, error: http::Error) -> Error {
        Error::InvalidInput(format!(
            "could not build {} {}: {error}",
            request.method.as_str(),
            request.path
        ))
    }

    /// Maps a ureq error to [`Error`], and reports whether the request may have reached the
    /// server.
    fn classify(&self, request: &Request<'_>, error: ureq::Error) -> AttemptFailure {
        let method = request.method.as_str();
        let path = request.path.to_owned();
        let connection = |detail: String| Error::Connection {
            method,
            path: path.clone(),
            detail,
        };
        match error {
            ureq::Error::Timeout(which) => {
                let not_sent = matches!(which, ureq::Timeout::Resolve | ureq::Timeout::Connect);
                let timeout = if not_sent {
                    self.connect_timeout
                } else {
                    self.timeout
                };
                let error = Error::Timeout {
                    method,
                    path,
                    timeout,
                };
                if not_sent {
                    AttemptFailure::NotSent(error)
                } else {
                    AttemptFailure::MaybeSent(error)
                }
            }
            ureq::Error::BodyExceedsLimit(limit) => {
                let error = Error::ResponseTooLarge {
                    method,
                    path,
                    limit,
                };
                // A repeat would download the same oversized body again, so only a request
                // that may have changed something is reported as such.
                if request.idempotent {
                    AttemptFailure::Permanent(error)
                } else {
                    AttemptFailure::MaybeSent(error)
                }
            }
            ureq::Error::HostNotFound => {
                AttemptFailure::NotSent(connection("host name not found".into()))
            }
            ureq::Error::ConnectionFailed => {
                AttemptFailure::NotSent(connection("could not connect".into()))
            }
            ureq::Error::Io(io) if tls_failure(&io).is_some() => {
                let detail = tls_failure(&io)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                AttemptFailure::Permanent(Error::Tls(detail))
            }
            ureq::Error::Io(io) => {
                let not_sent = matches!(
                    io.kind(),
                    ErrorKind::ConnectionRefused
                        | ErrorKind::AddrNotAvailable
                        | ErrorKind::HostUnreachable
                        | ErrorKind::NetworkUnreachable
                );
                let error = if io.kind() == ErrorKind::TimedOut {
                    Error::Timeout {
                        method,
                        path,
                        timeout: self.timeout,
                    }
                } else {
                    connection(io.to_string())
                };
                if not_sent {
                    AttemptFailure::NotSent(error)
                } else {
                    AttemptFailure::MaybeSent(error)
                }
            }
            ureq::Error::Tls(detail) => AttemptFailure::Permanent(Error::Tls(detail.to_owned())),
            ureq::Error::Rustls(tls) => AttemptFailure::Permanent(Error::Tls(tls.to_string())),
            ureq::Error::Pem(pem) => AttemptFailure::Permanent(Error::Tls(pem.to_string())),
            ureq::Error::InvalidProxyUrl => {
                AttemptFailure::Permanent(connection("invalid proxy URL in the environment".into()))
            }
            ureq::Error::ConnectProxyFailed(detail) => {
                AttemptFailure::NotSent(connection(format!("proxy failed: {detail}")))
            }
            other => AttemptFailure::MaybeSent(connection(other.to_string())),
        }
    }
}

/// Returns the rustls error inside an I/O error, which is how ureq reports a failed handshake or
/// certificate check.
fn tls_failure(io: &std::io::Error) -> Option<&rustls::Error> {
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

/// How long a resolved host name is reused: 60 s.
const RESOLVE_CACHE_TTL: Duration = Duration::from_secs(60);

/// Resolves each host once per [`RESOLVE_CACHE_TTL`] and reuses the addresses.
///
/// ureq 3.5 resolves the host name before it looks for a pooled connection, and with a
/// timeout set it resolves on a new thread. Without this cache every call paid for a thread and
/// a lookup, even on a kept-alive connection (`strace -f -c` showed one `clone3` per request).
///
/// NOTE: this uses ureq's `unversioned` API, which ureq may change in a minor release; the
/// `ureq` requirement in Cargo.toml is kept to the minor version this was written for.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or_default(),
            uri.authority()
                .map(|authority| authority.as_str())
                .unwrap_or_default()
        );
        {
            let cache = self
                .cache
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            if let Some((resolved_at, addresses)) = cache.get(&key) {
                if resolved_at.elapsed() < RESOLVE_CACHE_TTL {
                    return Ok(addresses.clone());
                }
            }
        }
        let addresses = match literal_address(uri) {
            // An IP address needs no lookup, and so no resolver thread.
            Some(address) => {
                let mut addresses = self.inner.empty();
                addresses.push(address);
                addresses
            }
            None => self.inner.resolve(uri, config, timeout)?,
        };
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        cache.insert(key, (Instant::now(), addresses.clone()));
        Ok(addresses)
    }
}

/// Returns the socket address of a URI whose host is an IP address, such as `127.0.0.1` or
/// `[::1]`, with the scheme's default port when none is given.
fn literal_address(uri: &http::Uri) -> Option<std::net::SocketAddr> {
    let host = uri.host()?;
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    let port = uri.port_u16().or(match uri.scheme_str()? {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some(std::net::SocketAddr::new(ip, port))
}

fn root_certs(roots: &TlsRoots) -> Result<ureq::tls::RootCerts> {
    match roots {
        TlsRoots::Bundled => Ok(ureq::tls::RootCerts::WebPki),
        TlsRoots::Platform => {
            #[cfg(feature = "platform-roots")]
            {
                Ok(ureq::tls::RootCerts::PlatformVerifier)
            }
            #[cfg(not(feature = "platform-roots"))]
            {
                Err(Error::Config(
                    "TlsRoots::Platform needs the cargo feature \"platform-roots\"; enable it \
                     or use TlsRoots::CaFile"
                        .into(),
                ))
            }
        }
        TlsRoots::CaFile(path) => {
            let pem = std::fs::read(path).map_err(|error| {
                Error::Config(format!("cannot read CA file {}: {error}", path.display()))
            })?;
            let mut certificates = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(certificate)) => {
                        certificates.push(certificate)
                    }
                    Ok(_) => {}
                    Err(error) => {
                        return Err(Error::Config(format!(
                            "invalid CA file {}: {error}",
                            path.display()
                        )))
                    }
                }
            }
            if certificates.is_empty() {
                return Err(Error::Config(format!(
                    "CA file {} contains no PEM certificate",
                    path.display()
                )));
            }
            Ok(ureq::tls::RootCerts::new_with_certs(&certificates))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_accepts_https_and_loopback_http() {
        for url in [
            "https://acme.api.visier.io",
            "https://acme.api.visier.io/",
            "http://127.0.0.1:8765",
            "http://127.3.4.5",
            "http://localhost:1/prefix/",
            "http://[::1]:8080",
        ] {
            assert!(BaseUrl::parse(url, false).is_ok(), "{url}");
        }
        assert_eq!(
            BaseUrl::parse("http://localhost:1/prefix/", false)
                .unwrap()
                .join("/v1/op/webhooks"),
            "http://localhost:1/prefix/v1/op/webhooks"
        );
    }

    #[test]
    fn base_url_rejects_plain_http_elsewhere() {
        for url in [
            "http://acme.api.visier.io",
            "http://10.0.0.1",
            "http://[::2]",
        ] {
            let error = BaseUrl::parse(url, false).unwrap_err();
            assert!(error.to_string().contains("allow_insecure_http"), "{error}");
            assert!(BaseUrl::parse(url, true).is_ok(), "{url}");
        }
    }

    #[test]
    fn literal_addresses_need_no_lookup() {
        let cases = [
            ("http://127.0.0.1:8765/x", Some("127.0.0.1:8765")),
            ("https://127.0.0.1/x", Some("127.0.0.1:443")),
            ("http://[::1]:9/x", Some("[::1]:9")),
            ("https://acme.api.visier.io/x", None),
        ];
        for (uri, expected) in cases {
            let uri: http::Uri = uri.parse().unwrap();
            let address = literal_address(&uri).map(|address| address.to_string());
            assert_eq!(address.as_deref(), expected, "{uri}");
        }
    }

    #[test]
    fn errors_never_show_url_passwords() {
        for url in [
            "https://user:pa?ssw0rd@acme.api.visier.io",
            "ftp://user:pa?ssw0rd@acme",
            "user:pa?ssw0rd@acme",
            "http://user:pa?ssw0rd@10.0.0.1",
            "https://user:pa?ssw0rd@",
        ] {
            let error = BaseUrl::parse(url, false).unwrap_err().to_string();
            assert!(!error.contains("ssw0rd"), "{url}: {error}");
        }
    }

    #[test]
    fn base_url_rejects_malformed() {
        for url in [
            "acme.api.visier.io",
            "ftp://acme",
            "https://",
            "https://user:pw@acme",
            "https://acme?x=1",
        ] {
            assert!(BaseUrl::parse(url, false).is_err(), "{url}");
        }
    }
}
