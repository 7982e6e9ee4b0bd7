use std::time::Duration;

use leptos::prelude::*;

/// Runs `task` every `period` in the browser for as long as the calling component lives. It is
/// an effect, so the server renders once and never runs it, and hydration sees the server's page.
pub fn every_while_shown(period: Duration, task: impl Fn() + Clone + 'static) {
    Effect::new(move |_| {
        let handle = set_interval(task.clone(), period).ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    });
}
