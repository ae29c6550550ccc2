//! Strict hexadecimal and base64 decoding for signatures and `Authorization` values.
//!
//! Both decoders accept exactly one spelling of each byte string, so a signature that differs
//! from the expected one in any character either fails to decode or decodes to other bytes.

/// Reason why a text is not strict hexadecimal or base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A character outside the alphabet, or `=` anywhere but at the end.
    InvalidCharacter,
    /// Hexadecimal digits of both cases, such as `aB`.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    MixedCase,
    /// An odd number of hexadecimal digits, or a base64 length that is not a multiple of 4.
    InvalidLength,
    /// More than two `=`, or unused bits of the last base64 character that are not zero.
    NonCanonical,
}

/// Decodes hexadecimal digits that are either all lowercase or all uppercase.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub(crate) fn decode_hex(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if text.len() % 2 != 0 {
        return Err(DecodeError::InvalidLength);
    }
    let has_lowercase = text.iter().any(|byte| byte.is_ascii_lowercase());
    let has_uppercase = text.iter().any(|byte| byte.is_ascii_uppercase());
    if has_lowercase && has_uppercase {
        return Err(DecodeError::MixedCase);
    }

    text.chunks_exact(2)
        .map(|pair| {
            let high = hex_value(pair[0]).ok_or(DecodeError::InvalidCharacter)?;
            let low = hex_value(pair[1]).ok_or(DecodeError::InvalidCharacter)?;
            Ok(high << 4 | low)
        })
        .collect()
}

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Decodes standard base64 (RFC 4648 section 4: alphabet `A-Z a-z 0-9 + /`) with the `=`
/// padding required and the unused bits of the last character zero.
pub(crate) fn decode_base64(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if text.len() % 4 != 0 {
        return Err(DecodeError::InvalidLength);
    }
    let padding = text.iter().rev().take_while(|&&byte| byte == b'=').count();
    if padding > 2 {
        return Err(DecodeError::NonCanonical);
    }

    let data = &text[..text.len() - padding];
    let mut output = Vec::with_capacity(data.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut buffered_bits = 0;
    for &character in data {
        let value = base64_value(character).ok_or(DecodeError::InvalidCharacter)?;
        buffer = buffer << 6 | u32::from(value);
        buffered_bits += 6;
        if buffered_bits >= 8 {
            buffered_bits -= 8;
            output.push((buffer >> buffered_bits) as u8);
            buffer &= (1 << buffered_bits) - 1;
        }
    }

    // The bits left over after the last whole byte belong to no byte. An encoder writes them
    // as zero, and accepting anything else would give one byte string several spellings.
    if buffer != 0 {
        return Err(DecodeError::NonCanonical);
    }
    Ok(output)
}

fn base64_value(character: u8) -> Option<u8> {
    match character {
        b'A'..=b'Z' => Some(character - b'A'),
        b'a'..=b'z' => Some(character - b'a' + 26),
        b'0'..=b'9' => Some(character - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Compares two byte strings without stopping at the first difference.
///
/// The time taken depends on the lengths of both strings, never on where they differ.
pub(crate) fn constant_time_eq(received: &[u8], expected: &[u8]) -> bool {
    // A length difference makes the result false, but the loop still runs over every byte of
    // `expected`, so a mismatch in length takes as long as a mismatch in content.
    let mut difference = u64::from(received.len() != expected.len());
    for (index, &expected_byte) in expected.iter().enumerate() {
        let received_byte = received.get(index).copied().unwrap_or(0);
        difference |= u64::from(received_byte ^ expected_byte);
    }
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_one_case() {
        assert_eq!(decode_hex(b"00ff7a"), Ok(vec![0x00, 0xff, 0x7a]));
        assert_eq!(decode_hex(b"00FF7A"), Ok(vec![0x00, 0xff, 0x7a]));
        assert_eq!(decode_hex(b""), Ok(vec![]));
    }

    #[test]
    fn hex_rejects_loose_input() {
        assert_eq!(decode_hex(b"aB"), Err(DecodeError::MixedCase));
        assert_eq!(decode_hex(b"abc"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_hex(b"0g"), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode_hex(b"+1"), Err(DecodeError::InvalidCharacter));
    }

    #[test]
    fn base64_rfc4648_vectors() {
        // Test vectors of RFC 4648 section 10.
        let cases: [(&[u8], &[u8]); 7] = [
            (b"", b""),
            (b"Zg==", b"f"),
            (b"Zm8=", b"fo"),
            (b"Zm9v", b"foo"),
            (b"Zm9vYg==", b"foob"),
            (b"Zm9vYmE=", b"fooba"),
            (b"Zm9vYmFy", b"foobar"),
        ];
        for (encoded, decoded) in cases {
            assert_eq!(
                decode_base64(encoded).as_deref(),
                Ok(decoded),
                "{encoded:?}"
            );
        }
        assert_eq!(decode_base64(b"+/+/"), Ok(vec![0xfb, 0xff, 0xbf]));
    }

    #[test]
    fn base64_rejects_loose_input() {
        assert_eq!(decode_base64(b"Zg"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_base64(b"Zm8"), Err(DecodeError::InvalidLength));
        assert_eq!(decode_base64(b"Zh=="), Err(DecodeError::NonCanonical));
        assert_eq!(decode_base64(b"Zm9="), Err(DecodeError::NonCanonical));
        assert_eq!(decode_base64(b"Z==="), Err(DecodeError::NonCanonical));
        assert_eq!(decode_base64(b"Z=g="), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode_base64(b"-_8="), Err(DecodeError::InvalidCharacter));
        assert_eq!(decode_base64(b"Zm 9"), Err(DecodeError::InvalidCharacter));
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"tokem", b"token"));
        assert!(!constant_time_eq(b"toke", b"token"));
        assert!(!constant_time_eq(b"token\0", b"token"));
        assert!(!constant_time_eq(b"", b"token"));
        assert!(!constant_time_eq(b"token", b""));
    }
}
