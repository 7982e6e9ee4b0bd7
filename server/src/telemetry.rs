use tracing_subscriber::{fmt, EnvFilter};

/// Structured logs on stderr; `RUST_LOG` filters them (default `info`), `VERDICT_LOG_FORMAT=json`
/// gives one JSON object per line for log shippers.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("VERDICT_LOG_FORMAT").is_ok_and(|format| format == "json");
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
