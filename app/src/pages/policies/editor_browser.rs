//! What the editor does in the browser only: keep each policy's dry-run context between visits,
//! and put the caret on a problem's line and column.

/// Where the dry-run context of `policy_id` is kept in the browser.
#[cfg(feature = "hydrate")]
fn context_key(policy_id: &str) -> String {
    format!("verdict.dry-run-context.{policy_id}")
}

#[cfg(feature = "hydrate")]
pub fn stored_context(policy_id: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(&context_key(policy_id)).ok()?
}

/// Best effort: a full or disabled storage only means the context is not remembered.
#[cfg(feature = "hydrate")]
pub fn store_context(policy_id: &str, context: &str) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|window| window.local_storage()) {
        let _ = storage.set_item(&context_key(policy_id), context);
    }
}

/// The textarea offset (in UTF-16 units, as the DOM counts) of a 1-based line and column.
pub fn caret_offset(source: &str, line: u32, column: u32) -> u32 {
    let line_index = line.saturating_sub(1) as usize;
    let before: usize = source
        .split('\n')
        .take(line_index)
        .map(|text| text.encode_utf16().count() + 1)
        .sum();
    let within: usize = source
        .split('\n')
        .nth(line_index)
        .map(|text| {
            text.chars()
                .take(column.saturating_sub(1) as usize)
                .map(char::len_utf16)
                .sum()
        })
        .unwrap_or(0);
    u32::try_from(before + within).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_offsets_count_lines_and_columns_in_utf16() {
        let source = "policy: a\nrules:\n  - name: é€x\n";
        assert_eq!(caret_offset(source, 1, 1), 0);
        assert_eq!(caret_offset(source, 2, 1), 10);
        assert_eq!(caret_offset(source, 3, 3), 19);
        assert_eq!(caret_offset(source, 3, 12), 28);
        assert_eq!(
            caret_offset(source, 99, 1),
            source.encode_utf16().count() as u32 + 1
        );
    }
}
