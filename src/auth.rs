//! Tokens: fetched lazily, shared by every thread, renewed once after a 401.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::config::Auth;
use crate::endpoint::{percent_encode, Method};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::{Request, Transport};

/// Path of the security-token exchange.
const SECURE_TOKEN_PATH: &str = "/v1/admin/visierSecureToken";
/// Path of the OAuth 2.0 token endpoint.
const OAUTH_TOKEN_PATH: &str = "/v1/auth/oauth2/token";
/// Maximum time before expiry at which an OAuth token is renewed.
const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(60);
/// Maximum token lifetime believed: a larger `expires_in` is read as this, so the arithmetic
/// on instants cannot overflow.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Wait before trying again after a renewal failed while the token was still valid.
const RENEWAL_RETRY_INTERVAL: Duration = Duration::from_secs(5);

/// The header that carries a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carrier {
    Cookie,
    Bearer,
}

#[derive(Clone)]
struct Token {
    value: Secret,
    carrier: Carrier,
    /// When to renew: some time before `expires_in` runs out. `None` when unknown.
    renew_at: Option<Instant>,
    /// When `expires_in` runs out. `None` when unknown.
    expires_at: Option<Instant>,
    refresh_token: Option<Secret>,
}

impl Token {
    fn is_valid_at(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    /// Counts tokens fetched, so that a 401 invalidates only the token the call used.
    generation: u64,
    /// When the last fetch failed, and its error.
    last_failure: Option<(Instant, Error)>,
}

/// A token header for one request, and the generation it came from.
pub(crate) struct Credential {
    pub header: (&'static str, String),
    pub generation: u64,
}

/// Token cache of one client. The mutex is held while a token is fetched, so threads that
/// need a token at the same time wait for one fetch instead of each sending their own. When
/// that fetch fails, the threads that waited for it return its error instead of repeating it.
pub(crate) struct Tokens {
    auth: Auth,
    vanity: Option<String>,
    state: Mutex<State>,
}

#[derive(Deserialize)]
struct OAuthTokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

impl Tokens {
    pub(crate) fn new(auth: Auth, vanity: Option<String>) -> Tokens {
        Tokens {
            auth,
            vanity,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn can_renew(&self) -> bool {
        self.auth.can_renew()
    }

    /// Returns the header that authenticates a request, fetching a token first when there is
    /// none or it is due for renewal.
    pub(crate) fn credential(
        &self,
        transport: &Transport,
        base_headers: &[(&'static str, String)],
    ) -> Result<Credential> {
        match &self.auth {
            Auth::SecurityToken(token) => {
                return Ok(Credential {
                    header: cookie_header(token),
                    generation: 0,
                })
            }
            Auth::BearerToken(token) => {
                return Ok(Credential {
                    header: bearer_header(token),
                    generation: 0,
                })
            }
            Auth::UsernamePassword { .. } | Auth::OAuthPassword { .. } => {}
        }

        let arrived = Instant::now();
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let now = Instant::now();
        let due = match &state.token {
            None => true,
            Some(token) => token.renew_at.is_some_and(|at| now >= at),
        };
        if due {
            let still_valid = state
                .token
                .as_ref()
                .is_some_and(|token| token.is_valid_at(now));
            if !still_valid {
                if let Some((failed_at, error)) = &state.last_failure {
                    if *failed_at >= arrived {
                        // Another thread's fetch failed while this one waited for it.
                        return Err(error.clone());
                    }
                }
            }
            let previous_refresh = state
                .token
                .as_ref()
                .and_then(|token| token.refresh_token.clone());
            let result = match &previous_refresh {
                Some(refresh) => self
                    .refresh_oauth(transport, base_headers, refresh)
                    .or_else(|error| {
                        log::warn!("token refresh failed, requesting a new token: {error}");
                        self.fetch(transport, base_headers)
                    }),
                None => self.fetch(transport, base_headers),
            };
            match result {
                Ok(mut fresh) => {
                    // RFC 6749 section 6: without a new refresh token, the old one stays valid.
                    if fresh.refresh_token.is_none() {
                        fresh.refresh_token = previous_refresh;
                    }
                    state.token = Some(fresh);
                    state.generation += 1;
                    state.last_failure = None;
                }
                Err(error) if still_valid => {
                    // Keep using the current token until it expires, and try again later.
                    log::warn!(
                        "token renewal failed, using the current token until it expires: {error}"
                    );
                    if let Some(token) = state.token.as_mut() {
                        let remaining = token.expires_at.map_or(RENEWAL_RETRY_INTERVAL, |at| {
                            at.saturating_duration_since(now)
                        });
                        token.renew_at = Some(now + RENEWAL_RETRY_INTERVAL.min(remaining / 2));
                    }
                }
                Err(error) => {
                    state.last_failure = Some((Instant::now(), error.clone()));
                    return Err(error);
                }
            }
        }
        let token = state
            .token
            .as_ref()
            .expect("a token was stored above or earlier");
        let header = match token.carrier {
            Carrier::Cookie => cookie_header(&token.value),
            Carrier::Bearer => bearer_header(&token.value),
        };
        Ok(Credential {
            header,
            generation: state.generation,
        })
    }

    /// Drops the token of `generation` after the server rejected it. A token that another
    /// thread already replaced is kept.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if state.generation == generation {
            state.token = None;
        }
    }

    fn fetch(
        &self,
        transport: &Transport,
        base_headers: &[(&'static str, String)],
    ) -> Result<Token> {
        match &self.auth {
            Auth::UsernamePassword { username, password } => {
                let mut form = vec![
                    ("username", username.as_str()),
                    ("password", password.expose()),
                ];
                if let Some(vanity) = &self.vanity {
                    form.push(("vanityName", vanity.as_str()));
                }
                let body = form_encode(&form);
                // The token comes back as text/plain, errors as JSON.
                let headers = base_headers
                    .iter()
                    .map(|(name, value)| match *name {
                        "accept" => (*name, "text/plain, application/json".to_owned()),
                        _ => (*name, value.clone()),
                    })
                    .collect();
                let response = transport.send(&Request {
                    method: Method::Post,
                    path: SECURE_TOKEN_PATH,
                    headers,
                    body: Some(("application/x-www-form-urlencoded", body.as_bytes())),
                    idempotent: true,
                })?;
                let token = String::from_utf8(response.body)
                    .map(|text| text.trim().to_owned())
                    .ok()
                    .filter(|text| !text.is_empty() && !text.contains(char::is_control))
                    .ok_or_else(|| Error::Decode {
                        method: "POST",
                        path: SECURE_TOKEN_PATH.into(),
                        detail: "the security token response is empty or not text".into(),
                        body_excerpt: String::new(),
                    })?;
                Ok(Token {
                    value: Secret::new(token),
                    carrier: Carrier::Cookie,
                    renew_at: None,
                    expires_at: None,
                    refresh_token: None,
                })
            }
            Auth::OAuthPassword {
                username, password, ..
            } => {
                let form = form_encode(&[
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", password.expose()),
                ]);
                self.oauth_request(transport, base_headers, &form)
            }
            Auth::SecurityToken(_) | Auth::BearerToken(_) => {
                unreachable!("ready tokens are returned before any fetch")
            }
        }
    }

    fn refresh_oauth(
        &self,
        transport: &Transport,
        base_headers: &[(&'static str, String)],
        refresh_token: &Secret,
    ) -> Result<Token> {
        let form = form_encode(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ]);
        self.oauth_request(transport, base_headers, &form)
    }

    fn oauth_request(
        &self,
        transport: &Transport,
        base_headers: &[(&'static str, String)],
        form: &str,
    ) -> Result<Token> {
        let Auth::OAuthPassword {
            client_id,
            client_secret,
            ..
        } = &self.auth
        else {
            unreachable!("only the OAuth mode sends OAuth requests")
        };
        let mut headers = base_headers.to_vec();
        let client = format!("{client_id}:{}", client_secret.expose());
        headers.push((
            "authorization",
            format!("Basic {}", base64(client.as_bytes())),
        ));
        let requested_at = Instant::now();
        let response = transport.send(&Request {
            method: Method::Post,
            path: OAUTH_TOKEN_PATH,
            headers,
            body: Some(("application/x-www-form-urlencoded", form.as_bytes())),
            idempotent: true,
        })?;
        let parsed: OAuthTokenResponse =
            serde_json::from_slice(&response.body).map_err(|error| Error::Decode {
                method: "POST",
                path: OAUTH_TOKEN_PATH.into(),
                // The body contains tokens, so only the parser's message is kept.
                detail: format!("the OAuth token response is not the expected JSON: {error}"),
                body_excerpt: String::new(),
            })?;
        if parsed.access_token.is_empty() || parsed.access_token.contains(char::is_control) {
            return Err(Error::Decode {
                method: "POST",
                path: OAUTH_TOKEN_PATH.into(),
                detail: "the OAuth access token is empty or contains a control character".into(),
                body_excerpt: String::new(),
            });
        }
        // An `expires_in` of 0 carries no lifetime, so it is read as unknown: the token is then
        // renewed only after a 401.
        let lifetime = parsed
            .expires_in
            .filter(|seconds| *seconds > 0)
            .map(|seconds| Duration::from_secs(seconds).min(MAX_TOKEN_LIFETIME));
        let margin = lifetime.map(|lifetime| (lifetime / 10).min(MAX_RENEWAL_MARGIN));
        Ok(Token {
            value: Secret::new(parsed.access_token),
            carrier: Carrier::Bearer,
            renew_at: lifetime.and_then(|lifetime| requested_at.checked_add(lifetime - margin?)),
            expires_at: lifetime.and_then(|lifetime| requested_at.checked_add(lifetime)),
            refresh_token: parsed.refresh_token.map(Secret::new),
        })
    }
}

fn cookie_header(token: &Secret) -> (&'static str, String) {
    ("cookie", format!("VisierASIDToken={}", token.expose()))
}

fn bearer_header(token: &Secret) -> (&'static str, String) {
    ("authorization", format!("Bearer {}", token.expose()))
}

/// Encodes `application/x-www-form-urlencoded` pairs.
fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Standard base64 with padding, for HTTP Basic authentication.
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let triple = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(ALPHABET[((triple >> (18 - 6 * index)) & 0x3F) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(
            form_encode(&[("username", "a b&c"), ("password", "p=1+2")]),
            "username=a%20b%26c&password=p%3D1%2B2"
        );
    }
}
