//! The `verify` command: checks the signature of a saved notification.

use std::io::Read;

use visier_webhooks::notification::{Verifier, VerifyError, SIGNATURE_HEADER};

use crate::args::VerifyArgs;
use crate::failure::{Failure, Kind};
use crate::output::{reindent, Output};

/// Largest request read from stdin: 16 MiB, far above any notification.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// A raw HTTP request split into headers and body.
#[derive(Debug, PartialEq, Eq)]
pub struct SavedRequest {
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

pub fn run(args: &VerifyArgs, output: &Output) -> Result<(), Failure> {
    let key = std::env::var(&args.key_env).map_err(|_| {
        Failure::usage(format!(
            "missing key: environment variable {} is unset or not UTF-8; set it to the key \
             value that key generation returned",
            args.key_env
        ))
    })?;
    let verifier = Verifier::new(key).map_err(|_| {
        Failure::usage(format!(
            "invalid key: environment variable {} is empty",
            args.key_env
        ))
    })?;

    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut input)
        .map_err(|error| Failure::usage(format!("reading stdin failed: {error}")))?;
    if input.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::usage(format!(
            "stdin is larger than {MAX_INPUT_BYTES} bytes, which no notification is"
        )));
    }

    let body = if args.body_only {
        let signature = args.signature.as_deref().unwrap_or_default();
        verifier
            .verify([(SIGNATURE_HEADER, signature)], &input)
            .map_err(signature_failure)?;
        input
    } else {
        let request = parse_request(&input).map_err(Failure::usage)?;
        verifier
            .verify(request.headers.iter().map(|(n, v)| (n, v)), &request.body)
            .map_err(signature_failure)?;
        request.body
    };

    if output.pretty {
        if let Some(text) = reindent(&body) {
            return output.text(&text);
        }
    }
    output.bytes(&body)
}

fn signature_failure(error: VerifyError) -> Failure {
    let kind = match error {
        VerifyError::InvalidKey => Kind::Usage,
        _ => Kind::InvalidSignature,
    };
    Failure::new(kind, error.to_string())
}

/// Splits a raw HTTP/1.1 request into headers and body.
///
/// The head ends at the first blank line, with CRLF or bare LF line ends. The body is cut to
/// `Content-Length` when the header is present, and decoded when `Transfer-Encoding` is
/// `chunked`; otherwise it is everything after the blank line.
pub fn parse_request(input: &[u8]) -> Result<SavedRequest, String> {
    let (head, rest) = split_head(input).ok_or(
        "invalid request: no blank line after the headers; pass a raw HTTP request, or use \
         --body-only with --signature",
    )?;
    let head = std::str::from_utf8(head)
        .map_err(|_| "invalid request: the request line or a header is not UTF-8".to_owned())?;
    let mut lines = head
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(_target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "invalid request: the first line {request_line:?} is not an HTTP request line \
             such as \"POST /hook HTTP/1.1\""
        ));
    };
    if method.is_empty() || !version.starts_with("HTTP/") {
        return Err(format!(
            "invalid request: the first line {request_line:?} is not an HTTP request line \
             such as \"POST /hook HTTP/1.1\""
        ));
    }

    let mut headers = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err("invalid request: folded header lines are not supported".to_owned());
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("invalid request: header line {line:?} has no colon"))?;
        if name.is_empty() || name.contains(|c: char| c.is_whitespace()) {
            return Err(format!("invalid request: invalid header name {name:?}"));
        }
        headers.push((
            name.to_owned(),
            value
                .trim_matches(|c| c == ' ' || c == '\t')
                .as_bytes()
                .to_vec(),
        ));
    }

    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
    };
    let chunked = header("transfer-encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        decode_chunked(rest)?
    } else if let Some(length) = header("content-length") {
        let length: usize = length
            .trim()
            .parse()
            .map_err(|_| format!("invalid request: Content-Length {length:?} is not a number"))?;
        if rest.len() < length {
            return Err(format!(
                "invalid request: Content-Length is {length} but the body has only {} bytes; \
                 the saved request is truncated",
                rest.len()
            ));
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(SavedRequest { headers, body })
}

/// Returns the head (without its blank line) and the bytes after the blank line.
fn split_head(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut line_start = 0;
    for (index, &byte) in input.iter().enumerate() {
        if byte != b'\n' {
            continue;
        }
        let line = &input[line_start..index];
        if line.is_empty() || line == b"\r" {
            let head_end = line_start.saturating_sub(1);
            let head = &input[..head_end];
            let head = head.strip_suffix(b"\r").unwrap_or(head);
            return Some((head, &input[index + 1..]));
        }
        line_start = index + 1;
    }
    None
}

/// Decodes a chunked body: hexadecimal size lines, chunk data, and a final zero-size chunk.
fn decode_chunked(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .iter()
            .position(|&byte| byte == b'\n')
            .ok_or("invalid request: a chunk size line is missing its line end")?;
        let line = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = line.trim_end_matches('\r');
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("invalid request: chunk size {size_text:?} is not hexadecimal"))?;
        rest = &rest[line_end + 1..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size {
            return Err("invalid request: the last chunk is truncated".to_owned());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .ok_or("invalid request: a chunk is not followed by a line end")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_with_crlf_and_content_length() {
        let input = b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nX-Visier-Signature:  ab \r\n\r\nbodyEXTRA";
        let request = parse_request(input).unwrap();
        assert_eq!(request.body, b"body");
        assert_eq!(request.headers.len(), 3);
        assert_eq!(request.headers[2].0, "X-Visier-Signature");
        assert_eq!(request.headers[2].1, b"ab");
    }

    #[test]
    fn request_with_bare_lf_and_no_length() {
        let request = parse_request(b"POST / HTTP/1.1\nA: b\n\n{\"x\":1}\n").unwrap();
        assert_eq!(request.body, b"{\"x\":1}\n");
        assert_eq!(request.headers, vec![("A".to_owned(), b"b".to_vec())]);
    }

    #[test]
    fn chunked_body_is_decoded() {
        let input =
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_request(input).unwrap().body, b"abcde");
    }

    #[test]
    fn truncated_and_headless_input_is_rejected() {
        let truncated = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
        assert!(parse_request(truncated).unwrap_err().contains("truncated"));
        assert!(parse_request(b"{\"a\":1}")
            .unwrap_err()
            .contains("no blank line"));
        assert!(parse_request(b"hello\r\n\r\n")
            .unwrap_err()
            .contains("request line"));
    }
}
