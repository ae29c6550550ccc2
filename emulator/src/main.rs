//! Command-line entry point: runs the emulator until killed by a signal.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use visier_webhooks_emulator::{
    Emulator, EmulatorConfig, DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD, DEFAULT_USER,
};

/// Local emulator of the Visier Webhooks API.
///
/// Prints `listening on http://HOST:PORT` once it accepts connections, logs one line per
/// request on stderr, and runs until killed.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8765")]
    listen: SocketAddr,

    /// Accepted `apikey` header value; repeat for several. Default: emulator-api-key.
    #[arg(long = "api-key", value_name = "KEY", value_parser = parse_api_key)]
    api_keys: Vec<String>,

    /// Accepted user for the token endpoints; repeat for several.
    /// Default: emulator-user:emulator-password.
    #[arg(long = "user", value_name = "NAME:PASSWORD", value_parser = parse_pair)]
    users: Vec<(String, String)>,

    /// Accepted OAuth 2.0 client; repeat for several. Default: emulator-client:emulator-secret.
    #[arg(long = "oauth-client", value_name = "ID:SECRET", value_parser = parse_pair)]
    oauth_clients: Vec<(String, String)>,

    /// Lifetime of security and access tokens, in seconds; refresh tokens live 10 times longer.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    token_ttl: u64,

    /// Store any non-empty event type instead of only Visier's ten documented ones.
    #[arg(long)]
    accept_any_event_type: bool,

    /// Deliver notifications to any host, not only to loopback addresses and localhost.
    #[arg(long)]
    deliver_to_any_host: bool,

    /// Time limit of one notification attempt, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    delivery_timeout_ms: u64,

    /// Retries after a failed first notification attempt, at most 10.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        value_parser = clap::value_parser!(u32).range(0..=MAX_DELIVERY_RETRIES)
    )]
    delivery_retries: u32,

    /// Requests per minute and API key before returning 429. Default: not enforced.
    #[arg(long, value_name = "N")]
    rate_limit_per_minute: Option<u32>,

    /// Do not log requests on stderr.
    #[arg(long)]
    quiet: bool,
}

/// Maximum of `--delivery-retries`. Each retry takes up to the delivery timeout plus a pause of
/// up to 2 s, and a trigger returns only after its last attempt, so a large count would block
/// the trigger for hours.
const MAX_DELIVERY_RETRIES: i64 = 10;

fn parse_api_key(text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("the API key must not be empty".to_owned());
    }
    // The emulator compares the key with the trimmed `apikey` header value, which cannot
    // contain control characters.
    if text.trim() != text || text.chars().any(char::is_control) {
        return Err(
            "the API key must not start or end with whitespace or contain control characters"
                .to_owned(),
        );
    }
    Ok(text.to_owned())
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, secret)) if !name.is_empty() && !secret.is_empty() => {
            Ok((name.to_owned(), secret.to_owned()))
        }
        _ => Err("expected NAME:SECRET with both parts non-empty".to_owned()),
    }
}

/// Prints the credentials in force; secrets are printed only when they are the public defaults.
fn print_credentials(config: &EmulatorConfig) {
    for key in &config.api_keys {
        if key == DEFAULT_API_KEY {
            println!("api key: {key}");
        } else {
            println!("api key: (set by --api-key, not shown)");
        }
    }
    for (user, password) in &config.users {
        let password = if user == DEFAULT_USER && password == DEFAULT_PASSWORD {
            DEFAULT_PASSWORD
        } else {
            "(custom, not shown)"
        };
        println!("user: {user}, password: {password}");
    }
    for (id, secret) in &config.oauth_clients {
        let secret = if id == DEFAULT_CLIENT_ID && secret == DEFAULT_CLIENT_SECRET {
            DEFAULT_CLIENT_SECRET
        } else {
            "(custom, not shown)"
        };
        println!("oauth client: {id}, secret: {secret}");
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let defaults = EmulatorConfig::default();
    let config = EmulatorConfig {
        listen: args.listen,
        api_keys: if args.api_keys.is_empty() {
            defaults.api_keys
        } else {
            args.api_keys
        },
        users: if args.users.is_empty() {
            defaults.users
        } else {
            args.users
        },
        oauth_clients: if args.oauth_clients.is_empty() {
            defaults.oauth_clients
        } else {
            args.oauth_clients
        },
        token_ttl: Duration::from_secs(args.token_ttl),
        accept_any_event_type: args.accept_any_event_type,
        deliver_to_any_host: args.deliver_to_any_host,
        delivery_timeout: Duration::from_millis(args.delivery_timeout_ms),
        delivery_retries: args.delivery_retries,
        rate_limit_per_minute: args.rate_limit_per_minute,
        log_requests: !args.quiet,
    };
    let emulator = match Emulator::start(config.clone()) {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("error: listening on {} failed: {e}", config.listen);
            return ExitCode::FAILURE;
        }
    };
    print_credentials(&config);
    println!("listening on {}", emulator.base_url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
