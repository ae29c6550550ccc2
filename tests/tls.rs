//! Certificates are always verified: a server whose CA is not trusted is rejected, and the
//! same server is accepted once its CA file is configured.

mod common;

use common::tls_server::{fixture, start_tls_server};
use visier_webhooks::{Auth, Client, Error, ListFilter, RetryPolicy, TlsRoots};

fn client(url: &str, roots: TlsRoots) -> Result<Client, Error> {
    Client::builder()
        .host(url)
        .api_key("k")
        .auth(Auth::BearerToken("t".into()))
        .tls_roots(roots)
        .retry_policy(RetryPolicy::none())
        .build()
}

#[test]
fn untrusted_certificate_is_rejected() {
    let url = start_tls_server();
    let error = client(&url, TlsRoots::Bundled)
        .unwrap()
        .list_webhooks(&ListFilter::new())
        .unwrap_err();
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
    assert!(error.to_string().starts_with("tls failed"), "{error}");
}

#[test]
fn ca_file_makes_certificate_trusted() {
    let url = start_tls_server();
    let client = client(&url, TlsRoots::CaFile(fixture("ca.pem"))).unwrap();
    let webhooks = client.list_webhooks(&ListFilter::new()).unwrap();
    assert!(webhooks.is_empty());
}

#[test]
fn bad_ca_file_is_config_error() {
    let missing = client(
        "https://127.0.0.1:1",
        TlsRoots::CaFile(fixture("no-such-file.pem")),
    )
    .unwrap_err();
    assert!(matches!(missing, Error::Config(_)), "{missing:?}");
    assert!(
        missing.to_string().contains("no-such-file.pem"),
        "{missing}"
    );
    let not_a_certificate = client(
        "https://127.0.0.1:1",
        TlsRoots::CaFile(fixture("server.key")),
    )
    .unwrap_err();
    assert!(
        not_a_certificate.to_string().contains("no PEM certificate"),
        "{not_a_certificate}"
    );
}

#[test]
fn platform_roots_need_feature() {
    let result = client("https://127.0.0.1:1", TlsRoots::Platform);
    if cfg!(feature = "platform-roots") {
        assert!(result.is_ok());
    } else {
        let error = result.unwrap_err();
        assert!(error.to_string().contains("platform-roots"), "{error}");
    }
}
