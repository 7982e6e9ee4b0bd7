use leptos::{html::Textarea, prelude::*};
use verdict_policy::{Diagnostic, Severity};

use super::editor_browser::caret_offset;

/// A policy's YAML: a textarea with line numbers, errors' lines marked, which works as it is;
/// in the browser the editor bundle (`tools/editor`, CodeMirror) puts itself over it with
/// highlighting, the diagnostics underlined at their place and completion. The textarea stays
/// the source of truth: the editor writes every change back into it as an `input` event.
#[component]
pub fn CodeEditor(
    /// The textarea's id, which its label names.
    id: &'static str,
    /// The form field the text is sent as; none for a text that is only shown.
    #[prop(optional)]
    name: Option<&'static str>,
    /// The text as rendered.
    text: String,
    /// The text cannot be changed here.
    #[prop(optional)]
    read_only: bool,
    /// Follows every change of the text.
    #[prop(optional)]
    on_change: Option<WriteSignal<String>>,
    /// Shown at their lines and columns.
    #[prop(optional, into)]
    diagnostics: Signal<Vec<Diagnostic>>,
    /// Approval routes offered after `approval_route:`.
    #[prop(optional)]
    route_names: Vec<String>,
    /// The textarea, for `jump_to`.
    #[prop(optional)]
    node_ref: NodeRef<Textarea>,
    /// The id of the element naming the text, when no `<label>` points at it.
    #[prop(optional)]
    labelled_by: Option<&'static str>,
) -> impl IntoView {
    let (current, set_current) = signal(text.clone());
    let line_count = move || current.with(|text| text.lines().count().max(1));
    let error_lines = move || {
        diagnostics.with(|diagnostics| {
            diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.severity == Severity::Error)
                .map(|diagnostic| diagnostic.line as usize)
                .collect::<Vec<_>>()
        })
    };
    enhance(node_ref, read_only, route_names, diagnostics);
    view! {
        <div class="code-editor">
            <pre class="gutter" aria-hidden="true">
                {move || {
                    let errors = error_lines();
                    (1..=line_count())
                        .map(|line| {
                            let class = if errors.contains(&line) { "line-number error-line" } else { "line-number" };
                            view! { <span class=class>{line}</span> }
                        })
                        .collect_view()
                }}
            </pre>
            <textarea
                node_ref=node_ref
                id=id
                name=name
                aria-labelledby=labelled_by
                class="code"
                spellcheck="false"
                readonly=read_only
                rows=move || line_count() + 1
                on:input=move |event| {
                    let text = event_target_value(&event);
                    if let Some(on_change) = on_change {
                        on_change.set(text.clone());
                    }
                    set_current.set(text);
                }
            >
                {text}
            </textarea>
        </div>
    }
}

/// Puts the caret at a 1-based line and column of the text and focuses it, in the editor when
/// the bundle enhanced the textarea, in the textarea otherwise.
pub fn jump_to(node_ref: NodeRef<Textarea>, line: u32, column: u32) {
    let Some(textarea) = node_ref.get_untracked() else {
        return;
    };
    let offset = caret_offset(&textarea.value(), line, column);
    let _ = textarea.focus();
    let _ = textarea.set_selection_range(offset, offset);
    #[cfg(feature = "hydrate")]
    super::editor_browser::bridge::jump(&textarea, line, column);
}

/// In the browser: hands the textarea to the editor bundle, then each new set of diagnostics.
#[cfg(feature = "hydrate")]
fn enhance(
    node_ref: NodeRef<Textarea>,
    read_only: bool,
    route_names: Vec<String>,
    diagnostics: Signal<Vec<Diagnostic>>,
) {
    use super::editor_browser::bridge;
    let options = serde_json::json!({ "readOnly": read_only, "routes": route_names }).to_string();
    Effect::new(move |_| {
        if let Some(textarea) = node_ref.get() {
            bridge::enhance(&textarea, &options);
        }
    });
    Effect::new(move |_| {
        let shown = diagnostics.with(serde_json::to_string);
        if let (Some(textarea), Ok(shown)) = (node_ref.get(), shown) {
            bridge::show_diagnostics(&textarea, &shown);
        }
    });
    on_cleanup(move || {
        if let Some(textarea) = node_ref.try_get_untracked().flatten() {
            bridge::forget(&textarea);
        }
    });
}

/// On the server the textarea is all there is.
#[cfg(not(feature = "hydrate"))]
fn enhance(
    _node_ref: NodeRef<Textarea>,
    _read_only: bool,
    _route_names: Vec<String>,
    _diagnostics: Signal<Vec<Diagnostic>>,
) {
}
