//! A proxy from the environment is used, and `NO_PROXY` bypasses it. One test in its own
//! binary, because it changes process-wide environment variables.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use common::stub::{Answer, Stub};
use visier_webhooks::{Auth, Client, ListFilter, RetryPolicy};

/// A CONNECT proxy on loopback that tunnels only to loopback and records each CONNECT target.
struct TunnelProxy {
    url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl TunnelProxy {
    fn start() -> TunnelProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&targets);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let recorded = Arc::clone(&recorded);
                thread::spawn(move || tunnel(client, &recorded));
            }
        });
        TunnelProxy { url, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, recorded: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    assert_eq!(parts.next(), Some("CONNECT"), "{line}");
    let target = parts.next().unwrap().to_owned();
    assert!(
        target.starts_with("127.0.0.1:"),
        "tunnels only to loopback: {target}"
    );
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
    }
    recorded.lock().unwrap().push(target.clone());
    let upstream = TcpStream::connect(&target).unwrap();
    let mut answer = client.try_clone().unwrap();
    answer
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .unwrap();
    let mut upstream_writer = upstream.try_clone().unwrap();
    let mut client_writer = client;
    let mut upstream_reader = upstream;
    let forward = thread::spawn(move || std::io::copy(&mut reader, &mut upstream_writer));
    let _ = std::io::copy(&mut upstream_reader, &mut client_writer);
    let _ = forward.join();
}

fn client_for(url: &str) -> Client {
    Client::builder()
        .host(url)
        .api_key("proxy-test-key")
        .auth(Auth::BearerToken("proxy-test-token".into()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[test]
fn environment_proxy_and_no_proxy() {
    let proxy = TunnelProxy::start();
    let origin = Stub::start(|_| Answer::json(200, r#"{"webhooks": []}"#));
    for name in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "http_proxy",
        "no_proxy",
    ] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTP_PROXY", &proxy.url);
    std::env::set_var("NO_PROXY", "example.invalid");

    // Through the proxy: a tunnel to the origin carries the request.
    client_for(&origin.base_url)
        .list_webhooks(&ListFilter::new())
        .unwrap();
    let origin_address = origin.base_url.trim_start_matches("http://").to_owned();
    assert_eq!(proxy.targets(), vec![origin_address.clone()]);
    assert_eq!(origin.requests().len(), 1);

    // NO_PROXY names the origin's host, so the request goes straight to it.
    std::env::set_var("NO_PROXY", "127.0.0.1");
    client_for(&origin.base_url)
        .list_webhooks(&ListFilter::new())
        .unwrap();
    assert_eq!(proxy.targets().len(), 1, "the proxy got nothing more");
    assert_eq!(origin.requests().len(), 2);
    assert_eq!(origin.requests()[1].target, "/v1/op/webhooks");

    // The proxy can be turned off in the builder.
    std::env::set_var("NO_PROXY", "example.invalid");
    Client::builder()
        .host(&origin.base_url)
        .api_key("proxy-test-key")
        .auth(Auth::BearerToken("proxy-test-token".into()))
        .use_env_proxy(false)
        .build()
        .unwrap()
        .list_webhooks(&ListFilter::new())
        .unwrap();
    assert_eq!(proxy.targets().len(), 1);
    assert_eq!(origin.requests().len(), 3);
    std::env::remove_var("HTTP_PROXY");
    std::env::remove_var("NO_PROXY");
}
