//! Free text as Verdict accepts it, one rule for every field: at most so many characters (not
//! bytes), and no control characters — except line breaks and tabs where a field holds
//! paragraphs (messages, rationales, summaries). A control character in a name or a filter is
//! never meant, and in logs and exports it can fake lines.

use crate::error::AppError;

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    /// Line breaks (`\n`, `\r`) and tabs are allowed; other control characters are not.
    Many,
}

/// Text that passed the rule: trimmed, bounded, free of control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// `raw` trimmed, if it keeps the rule; otherwise a refusal naming `field`. May be empty.
    pub fn parse(field: &str, raw: &str, max_chars: usize, lines: Lines) -> Result<Self, AppError> {
        let text = raw.trim();
        check(field, text, max_chars, lines)?;
        Ok(Text(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether `text`, as it is, keeps the rule.
pub fn is_clean(text: &str, max_chars: usize, lines: Lines) -> bool {
    text.chars().count() <= max_chars
        && !text
            .chars()
            .any(|c| c.is_control() && !(lines == Lines::Many && matches!(c, '\n' | '\r' | '\t')))
}

/// `text`, as it is (untrimmed), against the rule; the refusal says which part failed.
pub fn check(field: &str, text: &str, max_chars: usize, lines: Lines) -> Result<(), AppError> {
    if text.chars().count() > max_chars {
        return Err(AppError::invalid(
            field,
            format!("{field} may be at most {max_chars} characters, without control characters."),
        ));
    }
    if !is_clean(text, max_chars, lines) {
        return Err(AppError::invalid(
            field,
            format!("{field} must not contain control characters."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_length_and_control_characters() {
        assert_eq!(
            Text::parse("team", "  finance ", 10, Lines::One)
                .unwrap()
                .as_str(),
            "finance"
        );
        assert!(
            Text::parse("team", "ééééé", 5, Lines::One).is_ok(),
            "characters, not bytes"
        );
        assert_eq!(
            Text::parse("team", "abcdefghijk", 10, Lines::One)
                .unwrap_err()
                .field(),
            Some("team")
        );
        assert!(Text::parse("team", "nul\0byte", 10, Lines::Many).is_err());
        assert!(Text::parse("team", "two\nlines", 10, Lines::One).is_err());
        assert!(Text::parse("message", "two\nlines\tok", 20, Lines::Many).is_ok());
        assert!(!is_clean("bell\u{7}", 10, Lines::Many));
    }
}
