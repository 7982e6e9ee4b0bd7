use similar::{ChangeTag, TextDiff};

use crate::model::{DiffKind, DiffLine};

/// A line diff between two policy sources, with 1-based line numbers on each side.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                ChangeTag::Equal => DiffKind::Same,
                ChangeTag::Insert => DiffKind::Added,
                ChangeTag::Delete => DiffKind::Removed,
            },
            old_line: change.old_index().map(|index| index + 1),
            new_line: change.new_index().map(|index| index + 1),
            text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_removed_then_added() {
        let lines = diff_lines("a\nb\nc\n", "a\nB\nc\n");
        let kinds: Vec<_> = lines.iter().map(|line| line.kind).collect();
        assert_eq!(
            kinds,
            [
                DiffKind::Same,
                DiffKind::Removed,
                DiffKind::Added,
                DiffKind::Same
            ]
        );
        assert_eq!(lines[1].old_line, Some(2));
        assert_eq!(lines[2].new_line, Some(2));
        assert_eq!(lines[2].text, "B");
    }
}
