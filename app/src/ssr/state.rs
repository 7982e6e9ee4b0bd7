use std::sync::{Arc, Mutex};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    db::Db,
    evaluation_pool::EvaluationPool,
    gates::{HashGate, WaitSlots},
    services::{
        decisions::{journal::Journal, policy_cache::PolicyCache},
        outbound::Outbound,
    },
};

/// Settings that change how the server treats requests; loaded once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark the session cookie `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// The origin browsers use to reach this server (e.g. `https://verdict.example.com`);
    /// when unset, a request's own `Host` is taken as the site's origin.
    pub public_origin: Option<String>,
    /// Request bodies larger than this are answered with 413.
    pub max_body_bytes: usize,
    /// Sign-in attempts allowed per email within the lock-out window.
    pub max_failed_logins: i64,
    pub lockout_window_millis: i64,
    /// Agent API requests allowed per second per agent (bursts of twice that); 0: no limit.
    pub agent_rate_limit: u32,
    /// Where links in deliveries (chat messages, emails, webhooks) point, e.g.
    /// `https://verdict.example.com`; empty: links are paths only.
    pub link_origin: String,
    /// The mail server for email routes; `None`: email deliveries fail and are retried.
    pub smtp: Option<SmtpSettings>,
    /// How often a waiting agent's decision is re-read in case a change went unannounced.
    pub wait_recheck: std::time::Duration,
    /// Long-polls one agent may hold open at once; 0: no cap.
    pub max_waits_per_agent: usize,
    /// Hosts route deliveries may reach although they are (or resolve to) internal addresses.
    pub outbound_allow_hosts: Vec<String>,
    /// Password hashes (sign-ins) running at once, and sign-ins waiting for one to finish.
    pub password_hashes: usize,
    pub password_hash_queue: usize,
    /// Policy evaluations (dry runs, agents' evaluations, publish-time tests, backtests) running
    /// at once, each on its own blocking thread; 0: one per core.
    pub evaluation_slots: usize,
    /// Dry runs allowed per second per person (bursts of twice that); 0: no limit. The editor's
    /// preview sends one per pause in typing, a few per second at most.
    pub dry_run_rate_limit: u32,
    /// The file of receipt signing keys (`--signing-key-file`); `None`: beside the SQLite
    /// database, or `./data/` (see `server::commands::open_state`).
    pub signing_key_file: Option<std::path::PathBuf>,
}

/// How Verdict sends email.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// The sender, e.g. `Verdict <verdict@example.com>`.
    pub from: String,
    pub credentials: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay or a test server).
    None,
    /// Upgrade with STARTTLS (port 587).
    StartTls,
    /// TLS from the start (port 465).
    Tls,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            public_origin: None,
            max_body_bytes: 1024 * 1024,
            max_failed_logins: 5,
            lockout_window_millis: 15 * 60 * 1000,
            agent_rate_limit: 100,
            link_origin: String::new(),
            smtp: None,
            wait_recheck: std::time::Duration::from_secs(2),
            max_waits_per_agent: 32,
            outbound_allow_hosts: Vec::new(),
            password_hashes: std::thread::available_parallelism().map_or(2, usize::from),
            password_hash_queue: 32,
            evaluation_slots: 0,
            dry_run_rate_limit: 10,
            signing_key_file: None,
        }
    }
}

/// The one-time token that opens the first-run setup page while no user exists.
#[derive(Debug, Default)]
pub struct SetupToken(Mutex<Option<String>>);

impl SetupToken {
    pub fn issue(&self) -> String {
        let token = super::auth::tokens::random_secret();
        *self.lock() = Some(token.clone());
        token
    }

    pub fn matches(&self, candidate: &str) -> bool {
        self.lock()
            .as_deref()
            .is_some_and(|token| super::auth::tokens::constant_time_eq(token, candidate))
    }

    pub fn retire(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A poisoned lock only means another request panicked mid-swap of a plain Option.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What every request handler and server function can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub setup_token: Arc<SetupToken>,
    /// The one writer of decision changes (group commit).
    pub journal: Journal,
    pub policy_cache: Arc<PolicyCache>,
    pub agent_limiter: Arc<AgentRateLimiter>,
    pub wait_slots: Arc<WaitSlots>,
    pub password_hashes: Arc<HashGate>,
    /// The client route deliveries are sent with, and where it may connect.
    pub outbound: Outbound,
    /// Where policy work runs, off the request workers.
    pub evaluation_pool: EvaluationPool,
    /// Dry runs per second per person.
    pub dry_run_limiter: Arc<AgentRateLimiter>,
    /// The keys receipts are signed and verified with. `new` gives a key of its own kept in
    /// memory; `server::commands::open_state` puts the key file's in its place.
    pub receipt_keys: Arc<verdict_receipt::KeyStore>,
}

impl AppState {
    /// Assembles the state and starts the decision journal on the current runtime.
    pub fn new(db: Db, leptos_options: LeptosOptions, settings: Settings) -> Self {
        Self {
            journal: Journal::start(db.clone()),
            agent_limiter: Arc::new(AgentRateLimiter::new(settings.agent_rate_limit)),
            wait_slots: Arc::new(WaitSlots::new(settings.max_waits_per_agent)),
            password_hashes: Arc::new(HashGate::new(
                settings.password_hashes,
                settings.password_hash_queue,
            )),
            outbound: Outbound::new(&settings.outbound_allow_hosts),
            evaluation_pool: EvaluationPool::new(settings.evaluation_slots),
            dry_run_limiter: Arc::new(AgentRateLimiter::new(settings.dry_run_rate_limit)),
            receipt_keys: Arc::new(
                verdict_receipt::KeyStore::ephemeral()
                    .expect("the system's random number generator gives a signing key"),
            ),
            db,
            leptos_options,
            settings: Arc::new(settings),
            setup_token: Arc::default(),
            policy_cache: Arc::default(),
        }
    }
}

/// Requests per second per agent, so one runaway agent cannot starve the others.
#[derive(Debug)]
pub struct AgentRateLimiter(Option<governor::DefaultKeyedRateLimiter<String>>);

impl AgentRateLimiter {
    pub fn new(per_second: u32) -> Self {
        Self(std::num::NonZeroU32::new(per_second).map(|rate| {
            let burst = rate.saturating_mul(std::num::NonZeroU32::new(2).unwrap_or(rate));
            governor::RateLimiter::keyed(governor::Quota::per_second(rate).allow_burst(burst))
        }))
    }

    /// `Err(seconds)` to wait when the agent is over its rate.
    pub fn check(&self, agent_id: &str) -> Result<(), u64> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter
            .check_key(&agent_id.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                ));
                wait.as_secs().max(1)
            })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
