//! Bounds checked on untrusted bytes before any parser sees them.

/// The largest receipt document (or key set) read: a receipt is a few KiB.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The deepest nesting of arrays and objects read: a receipt nests four levels.
pub const MAX_DEPTH: usize = 32;

/// Whether `bytes`, read as JSON text, opens more than `limit` arrays or objects inside one
/// another. Brackets inside strings do not count; malformed text is left to the parser.
pub fn nests_deeper_than(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        assert!(!nests_deeper_than(br#"{"a":[{"b":"[[[[[["}]}"#, 3));
        assert!(nests_deeper_than(br#"{"a":[{"b":[1]}]}"#, 3));
        assert!(!nests_deeper_than(br#"{"a":"\"[[[[\\"}"#, 1));
        assert!(nests_deeper_than(&[b'['; 100], 32));
    }
}
