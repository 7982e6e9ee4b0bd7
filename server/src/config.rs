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

    /// Policy dry runs allowed per second per person (bursts of twice that); 0 turns the limit
    /// off (e.g. for `dry_run_bench`). Over it, callers are answered 429 with Retry-After.
    #[arg(long, env = "VERDICT_DRY_RUN_RATE_LIMIT", default_value_t = 10)]
    pub dry_run_rate_limit: u32,

    /// Policy evaluations running at once, each on its own thread; 0: one per core. When all
    /// are busy, callers are answered 503 with Retry-After.
    #[arg(long, env = "VERDICT_EVALUATION_SLOTS", default_value_t = 0)]
    pub evaluation_slots: usize,

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

    /// A request's line and headers must arrive within this many seconds of the server waiting
    /// for them (also how long an unused keep-alive connection stays open).
    #[arg(long, env = "VERDICT_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_read_timeout_seconds: u64,

    /// A connection on which no request is being answered and nothing was read or written for
    /// this many seconds is closed.
    #[arg(long, env = "VERDICT_IDLE_TIMEOUT_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout_seconds: u64,

    /// Connections served at once; more are answered 503 and closed. Keep it well below the
    /// process's descriptor limit (`ulimit -n`).
    #[arg(long, env = "VERDICT_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Long-polls (`GET …/wait`) one agent may hold open at once; more are answered 429. 0
    /// turns the cap off.
    #[arg(long, env = "VERDICT_MAX_WAITS_PER_AGENT", default_value_t = 32)]
    pub max_waits_per_agent: usize,

    /// Hosts approval-route deliveries may reach although they are, or resolve to, loopback,
    /// private, link-local or other internal addresses (comma-separated names or addresses).
    /// Without them, such destinations are refused.
    #[arg(long, env = "VERDICT_OUTBOUND_ALLOW_HOSTS", value_delimiter = ',')]
    pub outbound_allow_hosts: Vec<String>,

    /// Password hashes (sign-ins) computed at once; each takes about 19 MiB while it runs.
    /// Defaults to the number of CPUs.
    #[arg(long, env = "VERDICT_PASSWORD_HASHES", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub password_hashes: Option<u64>,

    /// Sign-ins that may wait for a hash to finish; beyond them sign-in answers 503 with
    /// Retry-After.
    #[arg(long, env = "VERDICT_PASSWORD_HASH_QUEUE", default_value_t = 32)]
    pub password_hash_queue: usize,

    /// The file of receipt signing keys (JSON, mode 0600; never in the database), created with
    /// one key at first start. Defaults to `verdict-signing-keys.json` beside the SQLite
    /// database, or in `./data/` with PostgreSQL. Give every server of one deployment the same
    /// file; `verdict keys rotate` adds a key to it.
    #[arg(long, env = "VERDICT_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
}

impl ServeArgs {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn transport_limits(&self) -> crate::transport::Limits {
        crate::transport::Limits {
            header_read_timeout: std::time::Duration::from_secs(self.header_read_timeout_seconds),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_seconds),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }

    pub fn settings(&self) -> Settings {
        let defaults = Settings::default();
        Settings {
            secure_cookies: self.secure_cookies,
            public_origin: self
                .public_url
                .as_ref()
                .map(|url| url.trim_end_matches('/').to_owned()),
            max_body_bytes: self.max_body_bytes,
            agent_rate_limit: self.agent_rate_limit,
            dry_run_rate_limit: self.dry_run_rate_limit,
            evaluation_slots: self.evaluation_slots,
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
            max_waits_per_agent: self.max_waits_per_agent,
            outbound_allow_hosts: self.outbound_allow_hosts.clone(),
            password_hashes: self
                .password_hashes
                .and_then(|count| usize::try_from(count).ok())
                .unwrap_or(defaults.password_hashes),
            password_hash_queue: self.password_hash_queue,
            signing_key_file: self.signing_key_file.clone(),
            ..defaults
        }
    }
}
