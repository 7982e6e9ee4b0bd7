/// A full page load of `path`, so everything on the next page (navigation, role) is fresh.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        if window.location().set_href(path).is_err() {
            leptos::logging::error!("could not navigate to {path}");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
