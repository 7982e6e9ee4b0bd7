//! What the editor does in the browser only: keep each policy's dry-run context between visits,
//! put the caret on a problem's line and column, ask before a link leaves unsaved changes, and
//! talk to the editor bundle.

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

/// The editor bundle (`tools/editor`, which `scripts/build.sh` bundles into `pkg/editor.js`),
/// loaded once, by the first page with a code editor, from this origin as the page's
/// Content-Security-Policy wants. Every call waits for it; without it they leave the textarea
/// as it is.
#[cfg(feature = "hydrate")]
pub mod bridge {
    use wasm_bindgen::prelude::wasm_bindgen;
    use web_sys::HtmlTextAreaElement;

    #[wasm_bindgen(inline_js = r#"
let bundle;
const editor = () => (bundle ??= import("/pkg/editor.js").catch(() => null));
export function enhance(textarea, options) {
  editor().then((bundle) => bundle?.enhance(textarea, JSON.parse(options)));
}
export function show_diagnostics(textarea, diagnostics) {
  editor().then((bundle) => bundle?.setDiagnostics(textarea, JSON.parse(diagnostics)));
}
export function jump(textarea, line, column) {
  editor().then((bundle) => bundle?.jump(textarea, line, column));
}
export function forget(textarea) {
  editor().then((bundle) => bundle?.forget(textarea));
}
"#)]
    extern "C" {
        /// Puts the editor over `textarea`; `options` is JSON: `{readOnly, routes}`.
        pub fn enhance(textarea: &HtmlTextAreaElement, options: &str);
        /// `diagnostics` is the dry run's, as JSON.
        pub fn show_diagnostics(textarea: &HtmlTextAreaElement, diagnostics: &str);
        pub fn jump(textarea: &HtmlTextAreaElement, line: u32, column: u32);
        pub fn forget(textarea: &HtmlTextAreaElement);
    }
}

/// While the page is shown, a click on a link that would leave it asks first when `unsaved`.
/// It listens before the router does (in the capture phase), so a refusal stops the navigation.
#[cfg(feature = "hydrate")]
pub fn confirm_leaving_by_link(unsaved: impl Fn() -> bool + 'static) {
    use leptos::prelude::{on_cleanup, StoredValue, UpdateValue};
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{Element, MouseEvent};

    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = Closure::<dyn Fn(MouseEvent)>::new(move |event: MouseEvent| {
        let plain_click = event.button() == 0
            && !(event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key());
        if event.default_prevented() || !plain_click || !unsaved() {
            return;
        }
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten());
        let leaves = link.is_some_and(|link| {
            !link.has_attribute("target")
                && !link
                    .get_attribute("href")
                    .unwrap_or_default()
                    .starts_with('#')
        });
        let stay = leaves
            && web_sys::window().is_some_and(|window| {
                !window
                    .confirm_with_message(
                        "Leave this page? The draft has changes that are not saved.",
                    )
                    .unwrap_or(true)
            });
        if stay {
            event.prevent_default();
            event.stop_propagation();
        }
    });
    let _ = window.add_event_listener_with_callback_and_bool(
        "click",
        listener.as_ref().unchecked_ref(),
        true,
    );
    let listener = StoredValue::new_local(Some(listener));
    on_cleanup(move || {
        if let Some(Some(listener)) = listener.try_update_value(Option::take) {
            let _ = window_remove(&listener);
        }
    });

    fn window_remove(listener: &Closure<dyn Fn(MouseEvent)>) -> Option<()> {
        web_sys::window()?
            .remove_event_listener_with_callback_and_bool(
                "click",
                listener.as_ref().unchecked_ref(),
                true,
            )
            .ok()
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
