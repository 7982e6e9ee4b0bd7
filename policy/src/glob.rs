//! Intent globs: `*` matches any run of characters (dots included), `?`
//! exactly one character; everything else matches itself.

/// Whether `text` matches `pattern` as a whole.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and how much text it has swallowed so far:
    // on a mismatch it swallows one more character and matching resumes.
    // Backtracking to the last star only is enough: whatever an earlier star
    // could absorb, the later one can too, so matching stays O(n·m) at worst
    // instead of exponential.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn star_and_question_mark() {
        assert!(matches("billing.discount.*", "billing.discount.apply"));
        assert!(matches("billing.*", "billing.discount.apply"));
        assert!(!matches("billing.discount.*", "billing.refund"));
        assert!(matches("*", ""));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*.apply", "x.y.apply"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exact.more"));
    }
}
