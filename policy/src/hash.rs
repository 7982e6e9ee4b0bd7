//! Content hashes identify a policy version independently of the line
//! endings of the machine that saved it.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `source` with CRLF and lone CR normalised to LF.
pub fn content_hash(source: &str) -> String {
    let mut hasher = Sha256::new();
    let mut rest = source;
    while let Some(cr) = rest.find('\r') {
        hasher.update(&rest.as_bytes()[..cr]);
        hasher.update(b"\n");
        rest = &rest[cr + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    hasher.update(rest.as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::content_hash;

    #[test]
    fn line_endings_do_not_matter() {
        let lf = content_hash("a: 1\nb: 2\n");
        assert_eq!(lf, content_hash("a: 1\r\nb: 2\r\n"));
        assert_eq!(lf, content_hash("a: 1\rb: 2\r"));
        assert_ne!(lf, content_hash("a: 1\nb: 3\n"));
        // Known vector: SHA-256 of the empty string.
        assert_eq!(
            content_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
