//! A minimal HTTP/1.1 server side: request parsing with size limits, and response writing.
//!
//! Hand-written rather than taken from a crate because fault injection needs the raw socket:
//! to close it without a response, or to stream a malformed or endless body.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Maximum size of the request line plus headers.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Maximum size of a request body, after chunked decoding.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

const READ_CHUNK: usize = 16 * 1024;
/// Content type byte of a TLS handshake record, the first byte a TLS client sends.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// A parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The request target exactly as sent: path, percent-encoding and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the client asked to keep the connection open after this request.
    pub keep_alive: bool,
}

impl Request {
    /// Returns the first value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Returns the raw path, without the query.
    pub fn path(&self) -> &str {
        match self.target.find('?') {
            Some(i) => &self.target[..i],
            None => &self.target,
        }
    }

    /// Returns the raw query string, without the `?`, or "" when there is none.
    pub fn query(&self) -> &str {
        match self.target.find('?') {
            Some(i) => &self.target[i + 1..],
            None => "",
        }
    }
}

/// The reason no request could be read from a connection.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client closed the connection (or went idle past the read timeout) between requests.
    Closed,
    /// A socket error or an early end of stream in the middle of a request.
    Io,
    /// The request is invalid, so the server responds with this status and message and closes.
    Invalid(u16, String),
    /// The first byte is 0x16, the content type of a TLS handshake record, so the client sent
    /// TLS to this plain-HTTP server. No HTTP method starts with that byte.
    TlsHandshake,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

/// One client connection with its read buffer, which may hold pipelined bytes.
pub(crate) struct Connection {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    pub fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            buf: Vec::with_capacity(READ_CHUNK),
        }
    }

    /// Reads more bytes into the buffer; returns how many (0 at end of stream).
    fn fill(&mut self) -> io::Result<usize> {
        let len = self.buf.len();
        self.buf.resize(len + READ_CHUNK, 0);
        let result = loop {
            match self.stream.read(&mut self.buf[len..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let n = *result.as_ref().unwrap_or(&0);
        self.buf.truncate(len + n);
        result
    }

    /// Reads until the buffer contains at least `n` bytes.
    fn fill_to(&mut self, n: usize) -> Result<(), ReadError> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(ReadError::Io);
            }
        }
        Ok(())
    }

    /// Returns the position just after the next CRLF at or after `from`, reading as needed.
    fn line_end(&mut self, from: usize, limit: usize) -> Result<usize, ReadError> {
        let mut searched = from;
        loop {
            if let Some(i) = find(&self.buf[searched..], b"\r\n") {
                return Ok(searched + i + 2);
            }
            searched = self.buf.len().saturating_sub(1).max(from);
            if self.buf.len() - from > limit {
                return Err(invalid(400, "invalid chunked body: chunk line too long"));
            }
            if self.fill()? == 0 {
                return Err(ReadError::Io);
            }
        }
    }

    /// Reads one request, and sends the interim response to `Expect: 100-continue` itself.
    pub fn read_request(&mut self) -> Result<Request, ReadError> {
        // Header section: up to the first empty line.
        let mut searched = 0;
        let head_end = loop {
            if let Some(i) = find(&self.buf[searched..], b"\r\n\r\n") {
                break searched + i + 4;
            }
            if self.buf.len() > MAX_HEADER_BYTES {
                return Err(invalid(431, "request header section exceeds 64 KiB"));
            }
            searched = self.buf.len().saturating_sub(3);
            match self.fill() {
                Ok(0) if self.buf.is_empty() => return Err(ReadError::Closed),
                Ok(0) => return Err(ReadError::Io),
                // Checked before waiting for a CRLF, which a TLS client never sends.
                Ok(_) if self.buf[0] == TLS_HANDSHAKE_RECORD => {
                    return Err(ReadError::TlsHandshake)
                }
                Ok(_) => {}
                Err(e) if self.buf.is_empty() => {
                    return Err(match e.kind() {
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ReadError::Closed,
                        _ => ReadError::Io,
                    })
                }
                Err(_) => return Err(ReadError::Io),
            }
        };
        if head_end > MAX_HEADER_BYTES {
            return Err(invalid(431, "request header section exceeds 64 KiB"));
        }
        let head = std::str::from_utf8(&self.buf[..head_end - 4])
            .map_err(|_| invalid(400, "request header section is not valid UTF-8"))?;
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let (method, target, version) = match (parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(t), Some(v)) if parts.next().is_none() && !m.is_empty() => (m, t, v),
            _ => return Err(invalid(400, "invalid request line")),
        };
        if !target.starts_with('/') {
            return Err(invalid(400, "request target must be an absolute path"));
        }
        let http10 = match version {
            "HTTP/1.1" => false,
            "HTTP/1.0" => true,
            _ => return Err(invalid(505, "only HTTP/1.0 and HTTP/1.1 are supported")),
        };
        let mut headers = Vec::with_capacity(12);
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                return Err(invalid(400, "invalid header line: missing colon"));
            };
            if name.is_empty() || name.bytes().any(|c| c.is_ascii_whitespace()) {
                return Err(invalid(400, "invalid header name"));
            }
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut request = Request {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: Vec::new(),
            keep_alive: !http10,
        };
        let mut keep_alive = request.keep_alive;
        if let Some(connection) = request.header("connection") {
            for token in connection.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        }
        request.keep_alive = keep_alive;
        self.buf.drain(..head_end);

        // Body: chunked or by Content-Length; none otherwise.
        let chunked = match request.header("transfer-encoding") {
            None => false,
            Some(te) if te.eq_ignore_ascii_case("chunked") => true,
            Some(_) => {
                return Err(invalid(
                    501,
                    "only the chunked transfer encoding is supported",
                ))
            }
        };
        let length = content_length(&request.headers)?;
        if chunked && length.is_some() {
            return Err(invalid(
                400,
                "Content-Length and Transfer-Encoding must not both be sent",
            ));
        }
        if length.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(invalid(413, "request body exceeds 1 MiB"));
        }
        let expects_body = chunked || length.is_some_and(|n| n > 0);
        if expects_body
            && request
                .header("expect")
                .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
            && self.buf.is_empty()
        {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        if chunked {
            request.body = self.read_chunked()?;
        } else if let Some(n) = length {
            let n = n as usize;
            self.fill_to(n)?;
            request.body = self.buf.drain(..n).collect();
        }
        Ok(request)
    }

    fn read_chunked(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let end = self.line_end(0, 1024)?;
            let line = std::str::from_utf8(&self.buf[..end - 2])
                .map_err(|_| invalid(400, "invalid chunk size line"))?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| invalid(400, "invalid chunk size"))?;
            self.buf.drain(..end);
            if size == 0 {
                break;
            }
            if body.len() + size > MAX_BODY_BYTES {
                return Err(invalid(413, "request body exceeds 1 MiB"));
            }
            self.fill_to(size + 2)?;
            if &self.buf[size..size + 2] != b"\r\n" {
                return Err(invalid(400, "chunk data not followed by CRLF"));
            }
            body.extend_from_slice(&self.buf[..size]);
            self.buf.drain(..size + 2);
        }
        // Trailer fields, ignored, up to the empty line.
        let mut trailer_bytes = 0;
        loop {
            let end = self.line_end(0, MAX_HEADER_BYTES)?;
            self.buf.drain(..end);
            if end == 2 {
                return Ok(body);
            }
            trailer_bytes += end;
            if trailer_bytes > MAX_HEADER_BYTES {
                return Err(invalid(431, "chunked trailer section exceeds 64 KiB"));
            }
        }
    }
}

/// Returns the body length that the `Content-Length` fields of `headers` state, or `None`
/// without such a field.
///
/// As RFC 9112 section 6.3 requires, a value that is not a decimal number (such as `+2`) and
/// fields or list items with different values are invalid. Repeated identical values, such as
/// `Content-Length: 5, 5`, are accepted as one, which RFC 9110 section 8.6 allows.
fn content_length(headers: &[(String, String)]) -> Result<Option<u64>, ReadError> {
    let mut length = None;
    let values = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .flat_map(|(_, value)| value.split(','));
    for text in values {
        let text = text.trim();
        // u64::from_str accepts a leading `+`, which Content-Length does not.
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                400,
                "invalid Content-Length header: expected a decimal number of bytes",
            ));
        }
        let value = text
            .parse::<u64>()
            .map_err(|_| invalid(413, "request body exceeds 1 MiB"))?;
        if length.is_some_and(|previous| previous != value) {
            return Err(invalid(
                400,
                "invalid Content-Length header: the request sends different values",
            ));
        }
        length = Some(value);
    }
    Ok(length)
}

fn invalid(status: u16, message: &str) -> ReadError {
    ReadError::Invalid(status, message.to_owned())
}

/// Returns the index of the first occurrence of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete response to be written in one go.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: serde_json::to_vec(value).expect("serializing a JSON value cannot fail"),
        }
    }

    pub fn text(status: u16, text: String) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: text.into_bytes(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }

    /// Writes the response; `Connection: close` is sent when `keep_alive` is false.
    pub fn write_to(&self, out: &mut impl Write, keep_alive: bool) -> io::Result<()> {
        let mut head = Vec::with_capacity(256 + self.body.len());
        write_head(
            &mut head,
            self.status,
            self.content_type,
            &self.headers,
            Some(self.body.len() as u64),
            keep_alive,
        )?;
        head.extend_from_slice(&self.body);
        out.write_all(&head)?;
        out.flush()
    }
}

/// Writes a status line and headers; without `content_length` the body runs until close.
pub(crate) fn write_head(
    out: &mut Vec<u8>,
    status: u16,
    content_type: &str,
    headers: &[(&'static str, String)],
    content_length: Option<u64>,
    keep_alive: bool,
) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\n",
        status,
        reason_phrase(status),
        content_type
    )?;
    if let Some(n) = content_length {
        write!(out, "Content-Length: {n}\r\n")?;
    }
    for (name, value) in headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    write!(out, "Connection: {connection}\r\n\r\n")
}

/// Returns the standard reason phrase of a status code, or "Status" for unknown codes.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}
