//! Parsing of webhook target URLs.

/// The parts of an `http` or `https` target URL that delivery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetUrl {
    pub https: bool,
    /// Host name or IP address, without the brackets of an IPv6 literal.
    pub host: String,
    pub port: u16,
    /// Value of the `Host` header: the authority as written, without user information.
    pub authority: String,
    /// Path and query to send in the request line; "/" when the URL has no path.
    pub path_and_query: String,
}

impl TargetUrl {
    /// Parses an absolute `http` or `https` URL; returns the reason when it is not one.
    pub fn parse(url: &str) -> Result<TargetUrl, String> {
        if url
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err("URL contains whitespace or control characters".to_owned());
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("URL must start with http:// or https://")?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(format!("scheme {scheme:?} is not http or https"));
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let mut path_and_query = rest[authority_end..]
            .split('#')
            .next()
            .unwrap_or("")
            .to_owned();
        if !path_and_query.starts_with('/') {
            path_and_query.insert(0, '/');
        }
        if authority.contains('@') {
            return Err(
                "URL must not contain user information; use webhook credentials".to_owned(),
            );
        }
        let (host, port_text) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or("IPv6 host is missing its closing bracket")?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("{host:?} is not a valid IPv6 address"));
            }
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or("invalid text after the IPv6 host")?,
                    ),
                ),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err("URL has no host".to_owned());
        }
        if !authority.starts_with('[')
            && !host
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        {
            return Err(format!("host {host:?} contains invalid characters"));
        }
        let port = match port_text {
            None | Some("") => {
                if https {
                    443
                } else {
                    80
                }
            }
            Some(text) => match text.parse::<u16>() {
                Ok(port) if port > 0 => port,
                _ => return Err(format!("port {text:?} is not a number from 1 to 65535")),
            },
        };
        Ok(TargetUrl {
            https,
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            path_and_query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TargetUrl;

    #[test]
    fn parse_forms() {
        let url = TargetUrl::parse("http://127.0.0.1:8080/hook?x=1#frag").unwrap();
        assert_eq!(url.host, "127.0.0.1");
        assert_eq!(url.port, 8080);
        assert_eq!(url.path_and_query, "/hook?x=1");
        let url = TargetUrl::parse("https://[::1]/").unwrap();
        assert_eq!(url.host, "::1");
        assert_eq!(url.port, 443);
        assert!(url.https);
        let url = TargetUrl::parse("HTTP://Example.com").unwrap();
        assert_eq!(url.path_and_query, "/");
        assert_eq!(url.port, 80);
    }

    #[test]
    fn parse_rejects() {
        for bad in [
            "ftp://example.com/",
            "example.com/hook",
            "http://",
            "http://user:pw@example.com/",
            "http://example.com:99999/",
            "http://exa mple.com/",
            "http://[::1/",
        ] {
            assert!(TargetUrl::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
