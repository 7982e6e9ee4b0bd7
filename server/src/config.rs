//! Configuration by flags and environment variables (each flag names its variable).

use std::{net::SocketAddr, path::PathBuf};

use app::ssr::{
    state::{SmtpSecurity, SmtpSettings},
    Settings,
};

#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Where Verdict keeps its data: `sqlite:PATH` (created if missing) or `postgres://…`.
    #[arg(
        long,
        env = "VERDICT_DATABASE_URL",
        default_value = "sqlite:./data/verdict.db"
    )]
    pub database_url: String,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to listen on.
    #[arg(long, env = "VERDICT_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// The built browser bundle and static files (`pkg/verdict.js`, `pkg/verdict_bg.wasm`, …).
    #[arg(long, env = "VERDICT_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// The URL people use to reach Verdict, e.g. `https://verdict.example.com`; used in printed
    /// links and as the only origin allowed to change state. Defaults to `http://ADDR`.
    #[arg(long, env = "VERDICT_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Mark the session cookie `Secure`; set when Verdict is served over https.
    #[arg(long, env = "VERDICT_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Request bodies larger than this many bytes are refused with 413.
    #[arg(long, env = "VERDICT_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Agent API requests allowed per second per agent (bursts of twice that); 0 turns the
    /// limit off. Over it, agents are answered 429 with Retry-After.
    #[arg(long, env = "VERDICT_AGENT_RATE_LIMIT", default_value_t = 100)]
    pub agent_rate_limit: u32,

    /// The mail server email routes send through; without it, email deliveries fail (and are
    /// retried, the requests waiting in the inbox).
    #[arg(long, env = "VERDICT_SMTP_HOST")]
    pub smtp_host: Option<String>,

    #[arg(long, env = "VERDICT_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// `starttls` (port 587), `tls` (port 465) or `none` (a local relay).
    #[arg(long, env = "VERDICT_SMTP_SECURITY", default_value = "starttls", value_parser = ["starttls", "tls", "none"])]
    pub smtp_security: String,

    /// The sender of Verdict's emails, e.g. `Verdict <verdict@example.com>`.
    #[arg(
        long,
        env = "VERDICT_SMTP_FROM",
        default_value = "Verdict <verdict@localhost>"
    )]
    pub smtp_from: String,

    #[arg(long, env = "VERDICT_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    #[arg(long, env = "VERDICT_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// How often an agent waiting on `GET …/wait` has its decision re-read, in case a change
    /// went unannounced (changes on this server, and with PostgreSQL on every server, wake it
    /// at once).
    #[arg(long, env = "VERDICT_WAIT_RECHECK_SECONDS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub wait_recheck_seconds: u64,
}

impl ServeArgs {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn settings(&self) -> Settings {
        Settings {
            secure_cookies: self.secure_cookies,
            public_origin: self
                .public_url
                .as_ref()
                .map(|url| url.trim_end_matches('/').to_owned()),
            max_body_bytes: self.max_body_bytes,
            agent_rate_limit: self.agent_rate_limit,
            link_origin: self.public_url(),
            wait_recheck: std::time::Duration::from_secs(self.wait_recheck_seconds),
            smtp: self.smtp_host.as_ref().map(|host| SmtpSettings {
                host: host.clone(),
                port: self.smtp_port,
                security: match self.smtp_security.as_str() {
                    "none" => SmtpSecurity::None,
                    "tls" => SmtpSecurity::Tls,
                    _ => SmtpSecurity::StartTls,
                },
                from: self.smtp_from.clone(),
                credentials: self.smtp_username.clone().zip(self.smtp_password.clone()),
            }),
            ..Settings::default()
        }
    }
}
