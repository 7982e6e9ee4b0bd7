use leptos::prelude::*;

use crate::model::{DiffKind, DiffLine};

/// A line diff, `+`/`-` marked and coloured; `changes_only` hides unchanged lines.
#[component]
pub fn DiffView(lines: Vec<DiffLine>, #[prop(optional)] changes_only: bool) -> impl IntoView {
    view! {
        <pre class="diff" data-testid="version-diff">
            {lines
                .into_iter()
                .filter(|line| !(changes_only && line.kind == DiffKind::Same))
                .map(|line| {
                    let (class, sign) = match line.kind {
                        DiffKind::Added => ("diff-added", "+ "),
                        DiffKind::Removed => ("diff-removed", "- "),
                        DiffKind::Same => ("", "  "),
                    };
                    view! { <span class=class>{format!("{sign}{}\n", line.text)}</span> }
                })
                .collect_view()}
        </pre>
    }
}
