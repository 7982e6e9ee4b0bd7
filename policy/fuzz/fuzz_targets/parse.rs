//! Feeds arbitrary text to the YAML and CEL front end, and evaluates
//! whatever parses, so panics anywhere in parse, lint, tests or evaluation
//! are found. Run with `cargo +nightly fuzz run parse` from `policy/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verdict_policy::{check, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let _ = check(source);
    if let Ok(policy) = Policy::parse(source) {
        let _ = policy.evaluate(&serde_json::json!({}));
    }
});
