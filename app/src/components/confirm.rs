use leptos::ev::MouseEvent;

/// A click handler that asks `question` first and stops the click unless the person agrees.
/// An event handler, not an inline `onclick`, so the Content-Security-Policy allows it.
pub fn confirm_first(question: &'static str) -> impl Fn(MouseEvent) + Clone + 'static {
    move |event: MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let agreed = web_sys::window()
                .and_then(|window| window.confirm_with_message(question).ok())
                .unwrap_or(false);
            if !agreed {
                event.prevent_default();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (question, event);
    }
}
