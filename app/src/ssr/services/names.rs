//! The names people give agents and approval routes, which also appear in URLs and policies.

/// 1 to `max` lowercase letters, digits, '-', '_' or '.', starting with a letter or digit.
pub fn is_lowercase_name(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
}
