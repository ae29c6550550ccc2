//! Configuration from `VISIER_*` variables: each mode, and errors that name the variable.

use std::collections::HashMap;

use visier_webhooks::{ApiVersion, Client, ClientBuilder, Error};

fn from(pairs: &[(&str, &str)]) -> Result<ClientBuilder, Error> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    ClientBuilder::from_lookup(|name| map.get(name).cloned())
}

fn config_error(pairs: &[(&str, &str)]) -> String {
    match from(pairs) {
        Err(Error::Config(message)) => message,
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(builder) => panic!("expected a configuration error, got {builder:?}"),
    }
}

const BASE: [(&str, &str); 2] = [
    ("VISIER_HOST", "https://acme.api.visier.io"),
    ("VISIER_APIKEY", "key-123"),
];

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut pairs = BASE.to_vec();
    pairs.extend_from_slice(extra);
    pairs
}

#[test]
fn modes_from_variables() {
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("VISIER_USERNAME", "u"), ("VISIER_PASSWORD", "p")],
            "UsernamePassword",
        ),
        (
            &[
                ("VISIER_USERNAME", "u"),
                ("VISIER_PASSWORD", "p"),
                ("VISIER_CLIENT_ID", "c"),
                ("VISIER_CLIENT_SECRET", "s"),
            ],
            "OAuthPassword",
        ),
        (&[("VISIER_SECURITY_TOKEN", "t")], "SecurityToken"),
        (&[("VISIER_ACCESS_TOKEN", "t")], "BearerToken"),
    ];
    for (extra, mode) in cases {
        let builder = from(&with(extra)).unwrap();
        let shown = format!("{builder:?}");
        assert!(shown.contains(mode), "{shown}");
        builder.build().unwrap();
    }
}

#[test]
fn vanity_gives_host() {
    let client = from(&[
        ("VISIER_VANITY", "acme"),
        ("VISIER_APIKEY", "k"),
        ("VISIER_ACCESS_TOKEN", "t"),
    ])
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(client.host(), "https://acme.api.visier.io");
}

#[test]
fn api_version_variable() {
    let client = from(&with(&[
        ("VISIER_ACCESS_TOKEN", "t"),
        ("VISIER_API_VERSION", "V1Beta"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(client.api_version(), ApiVersion::V1Beta);
    let message = config_error(&with(&[
        ("VISIER_ACCESS_TOKEN", "t"),
        ("VISIER_API_VERSION", "v2"),
    ]));
    assert!(message.contains("VISIER_API_VERSION"), "{message}");
}

#[test]
fn missing_and_contradictory_settings_name_the_variable() {
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("VISIER_APIKEY", "k")], "VISIER_HOST"),
        (vec![("VISIER_HOST", "https://a.example")], "VISIER_APIKEY"),
        (with(&[]), "VISIER_USERNAME"),
        (with(&[("VISIER_USERNAME", "u")]), "VISIER_PASSWORD"),
        (with(&[("VISIER_PASSWORD", "p")]), "VISIER_USERNAME"),
        (
            with(&[
                ("VISIER_USERNAME", "u"),
                ("VISIER_PASSWORD", "p"),
                ("VISIER_CLIENT_ID", "c"),
            ]),
            "VISIER_CLIENT_SECRET",
        ),
        (
            with(&[
                ("VISIER_USERNAME", "u"),
                ("VISIER_PASSWORD", "p"),
                ("VISIER_CLIENT_SECRET", "s"),
            ]),
            "VISIER_CLIENT_ID",
        ),
        (
            with(&[("VISIER_SECURITY_TOKEN", "t"), ("VISIER_ACCESS_TOKEN", "t")]),
            "VISIER_ACCESS_TOKEN",
        ),
        (
            with(&[("VISIER_SECURITY_TOKEN", "t"), ("VISIER_USERNAME", "u")]),
            "VISIER_USERNAME",
        ),
        (
            with(&[
                ("VISIER_ACCESS_TOKEN", "t"),
                ("VISIER_ALLOW_INSECURE_HTTP", "maybe"),
            ]),
            "VISIER_ALLOW_INSECURE_HTTP",
        ),
    ];
    for (pairs, variable) in cases {
        let message = config_error(&pairs);
        assert!(
            message.contains(variable),
            "{pairs:?}: {message:?} does not name {variable}"
        );
    }
}

#[test]
fn empty_variables_count_as_unset() {
    let message = config_error(&[
        ("VISIER_HOST", "  "),
        ("VISIER_APIKEY", "k"),
        ("VISIER_ACCESS_TOKEN", "t"),
    ]);
    assert!(message.contains("VISIER_HOST"), "{message}");
}

#[test]
fn insecure_http_needs_opt_in() {
    let error = from(&[
        ("VISIER_HOST", "http://acme.example"),
        ("VISIER_APIKEY", "k"),
        ("VISIER_ACCESS_TOKEN", "t"),
    ])
    .unwrap()
    .build()
    .unwrap_err();
    assert!(error.to_string().contains("allow_insecure_http"), "{error}");
    from(&[
        ("VISIER_HOST", "http://acme.example"),
        ("VISIER_APIKEY", "k"),
        ("VISIER_ACCESS_TOKEN", "t"),
        ("VISIER_ALLOW_INSECURE_HTTP", "true"),
    ])
    .unwrap()
    .build()
    .unwrap();
}

#[test]
fn debug_output_hides_secrets() {
    let builder = from(&with(&[
        ("VISIER_USERNAME", "user-name"),
        ("VISIER_PASSWORD", "password-secret-1"),
        ("VISIER_CLIENT_ID", "client-id"),
        ("VISIER_CLIENT_SECRET", "client-secret-2"),
    ]))
    .unwrap();
    let client: Client = builder.clone().build().unwrap();
    let shown = format!("{builder:?} {client:?}");
    for secret in ["key-123", "password-secret-1", "client-secret-2"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("user-name"), "{shown}");
}

#[test]
fn unusable_values_are_rejected_at_build() {
    let base = || {
        Client::builder()
            .host("https://acme.api.visier.io")
            .api_key("key")
            .auth(visier_webhooks::Auth::BearerToken("token".into()))
    };
    let cases: Vec<(ClientBuilder, &str)> = vec![
        (base().user_agent("x\r\ny: z"), "user agent"),
        (base().target_tenant_id("a\r\nb"), "VISIER_TARGET_TENANT_ID"),
        (base().target_tenant_id(""), "VISIER_TARGET_TENANT_ID"),
        (base().api_key("key\n"), "VISIER_APIKEY"),
        (
            base().auth(visier_webhooks::Auth::BearerToken("t\r\nX: y".into())),
            "VISIER_ACCESS_TOKEN",
        ),
        (
            base().auth(visier_webhooks::Auth::SecurityToken("t\0".into())),
            "VISIER_SECURITY_TOKEN",
        ),
        (
            base().auth(visier_webhooks::Auth::OAuthPassword {
                client_id: "id:with-colon".into(),
                client_secret: "s".into(),
                username: "u".into(),
                password: "p".into(),
            }),
            "VISIER_CLIENT_ID",
        ),
        (base().timeout(std::time::Duration::ZERO), "timeout"),
        (
            base().connect_timeout(std::time::Duration::ZERO),
            "connect timeout",
        ),
        (base().max_response_bytes(0), "max_response_bytes"),
    ];
    for (builder, setting) in cases {
        match builder.build() {
            Err(Error::Config(message)) => {
                assert!(
                    message.contains(setting),
                    "{message:?} does not name {setting}"
                );
                assert!(
                    !message.contains("X: y"),
                    "the value is not echoed: {message}"
                );
            }
            Err(other) => panic!("{setting}: expected a configuration error, got {other}"),
            Ok(_) => panic!("{setting}: the builder accepted an unusable value"),
        }
    }
}

#[test]
fn debug_output_hides_url_credentials() {
    let builder = Client::builder().host("https://user:url-password-9@acme.example/base");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("url-password-9"), "{shown}");
    assert!(shown.contains("acme.example/base"), "{shown}");
}
