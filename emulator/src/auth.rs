//! Authentication: security and OAuth 2.0 tokens, token checks, and per-key rate limits.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::json;

use crate::api::{bad_param, status_response};
use crate::config::EmulatorConfig;
use crate::http::{Request, Response};
use crate::server::{lock, Shared};
use crate::util::{epoch_ms, parse_query, random_hex};

/// Visier's documented default limits per API key.
const DEFAULT_LIMIT_MINUTE: u32 = 100;
const DEFAULT_LIMIT_HOUR: u32 = 6000;
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
/// Refresh tokens live this many times as long as access tokens.
const REFRESH_TTL_FACTOR: u32 = 10;

struct Session {
    user: String,
    expires: Instant,
}

struct RefreshSession {
    user: String,
    client_id: String,
    expires: Instant,
}

/// Issued tokens. Security tokens and OAuth access tokens are interchangeable.
#[derive(Default)]
pub(crate) struct Sessions {
    tokens: HashMap<String, Session>,
    refresh_tokens: HashMap<String, RefreshSession>,
}

impl Sessions {
    fn issue(&mut self, user: &str, ttl: Duration) -> String {
        let now = Instant::now();
        self.tokens.retain(|_, s| s.expires > now);
        let token = random_hex(32);
        self.tokens.insert(
            token.clone(),
            Session {
                user: user.to_owned(),
                expires: now + ttl,
            },
        );
        token
    }

    fn issue_refresh(&mut self, user: &str, client_id: &str, ttl: Duration) -> String {
        let now = Instant::now();
        self.refresh_tokens.retain(|_, s| s.expires > now);
        let token = random_hex(32);
        self.refresh_tokens.insert(
            token.clone(),
            RefreshSession {
                user: user.to_owned(),
                client_id: client_id.to_owned(),
                expires: now + ttl.saturating_mul(REFRESH_TTL_FACTOR),
            },
        );
        token
    }
}

/// Rate-limit state of one API key over fixed one-minute and one-hour windows.
struct Window {
    minute_start: Instant,
    minute_count: u32,
    hour_start: Instant,
    hour_count: u32,
}

/// Request counters per API key.
#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<String, Window>,
}

/// The rate-limit headers of one response, and whether the limit was exceeded.
#[derive(Debug, Clone)]
pub(crate) struct RateInfo {
    pub limit_minute: u32,
    pub remaining_minute: u32,
    pub limit_hour: u32,
    pub remaining_hour: u32,
    /// Seconds until the minute window ends, set when the request is over the enforced limit.
    pub retry_after: Option<u64>,
}

impl RateInfo {
    /// Returns full limits, for responses to requests without a valid API key.
    pub fn unkeyed(config: &EmulatorConfig) -> RateInfo {
        let limit_minute = config.rate_limit_per_minute.unwrap_or(DEFAULT_LIMIT_MINUTE);
        RateInfo {
            limit_minute,
            remaining_minute: limit_minute,
            limit_hour: DEFAULT_LIMIT_HOUR,
            remaining_hour: DEFAULT_LIMIT_HOUR,
            retry_after: None,
        }
    }

    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("X-RateLimit-Limit-Minute", self.limit_minute.to_string()),
            (
                "X-RateLimit-Remaining-Minute",
                self.remaining_minute.to_string(),
            ),
            ("X-RateLimit-Limit-Hour", self.limit_hour.to_string()),
            (
                "X-RateLimit-Remaining-Hour",
                self.remaining_hour.to_string(),
            ),
        ]
    }

    /// Adds the rate-limit headers to a response.
    pub fn apply(&self, mut response: Response) -> Response {
        response.headers.extend(self.headers());
        response
    }
}

impl RateLimiter {
    fn info(config: &EmulatorConfig, window: Option<&Window>, now: Instant) -> RateInfo {
        let mut info = RateInfo::unkeyed(config);
        if let Some(w) = window {
            if now.duration_since(w.minute_start) < MINUTE {
                info.remaining_minute = info.limit_minute.saturating_sub(w.minute_count);
            }
            if now.duration_since(w.hour_start) < HOUR {
                info.remaining_hour = info.limit_hour.saturating_sub(w.hour_count);
            }
        }
        info
    }

    /// Counts one request for `key` (when the key is valid) and returns the headers to send.
    pub fn count(&mut self, config: &EmulatorConfig, key: Option<&str>) -> RateInfo {
        let now = Instant::now();
        let Some(key) = key else {
            return RateInfo::unkeyed(config);
        };
        if !self.windows.contains_key(key) {
            self.windows.insert(
                key.to_owned(),
                Window {
                    minute_start: now,
                    minute_count: 0,
                    hour_start: now,
                    hour_count: 0,
                },
            );
        }
        let window = self.windows.get_mut(key).expect("window inserted above");
        if now.duration_since(window.minute_start) >= MINUTE {
            window.minute_start = now;
            window.minute_count = 0;
        }
        if now.duration_since(window.hour_start) >= HOUR {
            window.hour_start = now;
            window.hour_count = 0;
        }
        window.minute_count = window.minute_count.saturating_add(1);
        window.hour_count = window.hour_count.saturating_add(1);
        let mut info = Self::info(config, Some(window), now);
        if let Some(limit) = config.rate_limit_per_minute {
            if window.minute_count > limit {
                let left = MINUTE.saturating_sub(now.duration_since(window.minute_start));
                info.retry_after = Some(left.as_secs() + u64::from(left.subsec_nanos() > 0));
            }
        }
        info
    }

    /// Returns the headers for `key` without counting a request.
    pub fn peek(&self, config: &EmulatorConfig, key: Option<&str>) -> RateInfo {
        let window = key.and_then(|k| self.windows.get(k));
        Self::info(config, window, Instant::now())
    }
}

/// Returns the user name of the request's valid, unexpired token, or a 401 response.
pub(crate) fn authenticate(shared: &Shared, request: &Request) -> Result<String, Response> {
    let bearer = request.header("authorization").and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let cookie = request.header("cookie").and_then(|value| {
        value.split(';').find_map(|pair| {
            let (name, token) = pair.trim().split_once('=')?;
            (name == "VisierASIDToken").then_some(token.trim())
        })
    });
    if bearer.is_none() && cookie.is_none() {
        return Err(unauthorized(
            "missing security token: send Cookie: VisierASIDToken=<token> or Authorization: Bearer <token>",
        ));
    }
    let now = Instant::now();
    let sessions = lock(&shared.sessions);
    let mut expired = false;
    for token in [bearer, cookie].into_iter().flatten() {
        if let Some(session) = sessions.tokens.get(token) {
            if session.expires > now {
                return Ok(session.user.clone());
            }
            expired = true;
        }
    }
    Err(if expired {
        unauthorized("security token expired: request a new token")
    } else {
        unauthorized("invalid security token: request a token from the token endpoints")
    })
}

pub(crate) fn unauthorized(message: &str) -> Response {
    status_response(401, "Unauthorized", message)
}

fn form_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn check_user(config: &EmulatorConfig, username: &str, password: &str) -> bool {
    config
        .users
        .iter()
        .any(|(u, p)| u == username && p == password)
}

fn parse_form(request: &Request) -> Result<Vec<(String, String)>, Response> {
    let body = std::str::from_utf8(&request.body)
        .map_err(|_| bad_param("form body is not valid UTF-8"))?;
    Ok(parse_query(body))
}

/// `POST /v1/admin/visierSecureToken`: form `username`, `password` and an optional
/// `vanityName`, which the emulator ignores; returns the token as text.
pub(crate) fn secure_token(shared: &Shared, request: &Request) -> Response {
    let form = match parse_form(request) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let Some(username) = form_field(&form, "username") else {
        return bad_param("form field username is missing");
    };
    let Some(password) = form_field(&form, "password") else {
        return bad_param("form field password is missing");
    };
    if !check_user(&shared.config, username, password) {
        return unauthorized("invalid username or password");
    }
    let token = lock(&shared.sessions).issue(username, shared.config.token_ttl);
    Response::text(200, token)
}

/// Returns the OAuth client id authenticated by HTTP Basic or by form fields.
fn authenticate_client(
    config: &EmulatorConfig,
    request: &Request,
    form: &[(String, String)],
) -> Result<String, Response> {
    let invalid = || status_response(401, "invalid_client", "invalid OAuth client id or secret");
    let basic = request.header("authorization").and_then(|value| {
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = STANDARD.decode(encoded.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        Some((id.to_owned(), secret.to_owned()))
    });
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => match (
            form_field(form, "client_id"),
            form_field(form, "client_secret"),
        ) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
            _ => return Err(status_response(
                401,
                "invalid_client",
                "missing OAuth client credentials: send HTTP Basic or client_id and client_secret",
            )),
        },
    };
    if config
        .oauth_clients
        .iter()
        .any(|(i, s)| *i == id && *s == secret)
    {
        Ok(id)
    } else {
        Err(invalid())
    }
}

/// Builds an unsigned JWT (`alg` `none`) carrying the user and client.
fn id_token(user: &str, client_id: &str, ttl: Duration) -> String {
    let now = epoch_ms(std::time::SystemTime::now()) / 1000;
    let header = json!({ "alg": "none", "typ": "JWT" });
    let claims = json!({
        "iss": "visier-webhooks-emulator",
        "sub": user,
        "aud": client_id,
        "iat": now,
        "exp": now + ttl.as_secs() as i64,
    });
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// `POST /v1/auth/oauth2/token`: the `password` and `refresh_token` grants.
pub(crate) fn oauth_token(shared: &Shared, request: &Request) -> Response {
    let form = match parse_form(request) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let client_id = match authenticate_client(&shared.config, request, &form) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let ttl = shared.config.token_ttl;
    let user = match form_field(&form, "grant_type") {
        None => return bad_param("form field grant_type is missing"),
        Some("password") => {
            let Some(username) = form_field(&form, "username") else {
                return bad_param("form field username is missing");
            };
            let Some(password) = form_field(&form, "password") else {
                return bad_param("form field password is missing");
            };
            if !check_user(&shared.config, username, password) {
                return status_response(401, "invalid_grant", "invalid username or password");
            }
            username.to_owned()
        }
        Some("refresh_token") => {
            let Some(refresh) = form_field(&form, "refresh_token") else {
                return bad_param("form field refresh_token is missing");
            };
            // Refresh tokens are single-use: the response contains a new one.
            let mut sessions = lock(&shared.sessions);
            match sessions.refresh_tokens.remove(refresh) {
                Some(s) if s.expires > Instant::now() && s.client_id == client_id => s.user,
                Some(s) if s.client_id != client_id => {
                    return status_response(
                        400,
                        "invalid_grant",
                        "refresh token was issued to another OAuth client",
                    )
                }
                Some(_) => {
                    return status_response(400, "invalid_grant", "refresh token expired")
                }
                None => return status_response(400, "invalid_grant", "invalid refresh token"),
            }
        }
        Some(other) => {
            return status_response(
                400,
                "unsupported_grant_type",
                format!(
                    "grant_type {other:?} is not supported by the emulator; use password or refresh_token"
                ),
            )
        }
    };
    let (access, refresh) = {
        let mut sessions = lock(&shared.sessions);
        (
            sessions.issue(&user, ttl),
            sessions.issue_refresh(&user, &client_id, ttl),
        )
    };
    Response::json(
        200,
        &json!({
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token(&user, &client_id, ttl),
            "token_type": "Bearer",
            "expires_in": ttl.as_secs(),
        }),
    )
}
