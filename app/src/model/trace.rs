//! The trace explorer's vocabulary, shared by the browser and the server: the filter (parsed
//! from and written back to URL query pairs, so a view can be shared as a link), the keyset
//! cursor, and what a list page, a decision, an export line and a replay look like.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use verdict_policy::Outcome;

use crate::error::AppError;

use super::decision::{ApprovalStatus, AutomationMode, DecisionStatus};

/// Decisions per page when the query does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// The most decisions one page may hold.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which decisions to show. Every field narrows the set; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceFilter {
    /// An agent's id or name.
    pub agent: Option<String>,
    /// Decisions whose intent starts with this, e.g. `billing.` or `billing.refund.create`.
    pub intent_prefix: Option<String>,
    pub status: Option<DecisionStatus>,
    /// The combined outcome of the decision's latest evaluation.
    pub outcome: Option<Outcome>,
    /// Decisions that evaluated this policy (at `policy_version`, when given).
    pub policy_id: Option<String>,
    pub policy_version: Option<i64>,
    /// Decisions with an approval resolved by this person (their email).
    pub approver: Option<String>,
    /// Created at or after, Unix milliseconds.
    pub from: Option<i64>,
    /// Created before, Unix milliseconds.
    pub to: Option<i64>,
    /// Free text, matched case-insensitively in the events' payloads: rationales, summaries,
    /// approval titles and messages.
    pub q: Option<String>,
}

/// Where the next page starts: just after (older than) this decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceCursor {
    pub created_at: i64,
    pub id: String,
}

impl TraceCursor {
    /// An opaque, URL-safe text (hex of `created_at:id`).
    pub fn encode(&self) -> String {
        let plain = format!("{}:{}", self.created_at, self.id);
        plain.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    pub fn decode(text: &str) -> Option<Self> {
        if !text.len().is_multiple_of(2) || text.len() > 400 {
            return None;
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let plain = String::from_utf8(bytes).ok()?;
        let (created_at, id) = plain.split_once(':')?;
        let valid_id = !id.is_empty()
            && id.len() <= 100
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let created_at = created_at.parse().ok()?;
        valid_id.then(|| Self {
            created_at,
            id: id.to_owned(),
        })
    }
}

/// A filter, where to start, and how many decisions to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceQuery {
    pub filter: TraceFilter,
    pub cursor: Option<TraceCursor>,
    pub limit: u32,
}

impl Default for TraceQuery {
    fn default() -> Self {
        Self {
            filter: TraceFilter::default(),
            cursor: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

/// The query parameters the explorer's URL and `GET /api/v1/admin/decisions` accept.
pub const QUERY_PARAMETERS: &[&str] = &[
    "agent",
    "intent",
    "status",
    "outcome",
    "policy",
    "policy_version",
    "approver",
    "from",
    "to",
    "q",
    "cursor",
    "limit",
];

fn unknown_parameter(key: &str) -> AppError {
    AppError::invalid(
        key,
        format!(
            "Unknown parameter {key}; the filters are {}.",
            QUERY_PARAMETERS.join(", ")
        ),
    )
}

impl TraceQuery {
    /// Validates URL query pairs. An empty value counts as absent (as an empty form field
    /// submits); an unknown, repeated or malformed parameter is refused naming it.
    pub fn parse<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, AppError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = TraceQuery::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref().trim());
            if !QUERY_PARAMETERS.contains(&key) {
                return Err(unknown_parameter(key));
            }
            if seen.iter().any(|name| name == key) {
                return Err(AppError::invalid(key, format!("{key} may be given once.")));
            }
            seen.push(key.to_owned());
            if value.is_empty() {
                continue;
            }
            let filter = &mut query.filter;
            match key {
                "agent" => filter.agent = Some(plain_text(key, value, 100)?),
                "intent" => filter.intent_prefix = Some(intent_prefix(value)?),
                "status" => {
                    filter.status = Some(DecisionStatus::parse(value).ok_or_else(|| {
                        AppError::invalid(
                            key,
                            format!("status is one of {}.", names(DecisionStatus::ALL)),
                        )
                    })?)
                }
                "outcome" => {
                    filter.outcome = Some(value.parse::<Outcome>().map_err(|_| {
                        AppError::invalid(key, "outcome is allow, requires_exception or deny.")
                    })?)
                }
                "policy" => filter.policy_id = Some(plain_text(key, value, 100)?),
                "policy_version" => filter.policy_version = Some(positive(key, value)?),
                "approver" => filter.approver = Some(plain_text(key, value, 254)?),
                "from" => filter.from = Some(time_bound(key, value, DayEdge::Start)?),
                "to" => filter.to = Some(time_bound(key, value, DayEdge::End)?),
                "q" => filter.q = Some(plain_text(key, value, 200)?),
                "cursor" => {
                    query.cursor = Some(TraceCursor::decode(value).ok_or_else(|| {
                        AppError::invalid(key, "This cursor is not one a page answered.")
                    })?)
                }
                "limit" => {
                    let limit = positive(key, value)?;
                    if limit > i64::from(MAX_PAGE_SIZE) {
                        return Err(AppError::invalid(
                            key,
                            format!("limit is between 1 and {MAX_PAGE_SIZE}."),
                        ));
                    }
                    query.limit = limit as u32;
                }
                _ => return Err(unknown_parameter(key)),
            }
        }
        let filter = &query.filter;
        if filter.policy_version.is_some() && filter.policy_id.is_none() {
            return Err(AppError::invalid(
                "policy_version",
                "policy_version needs policy too.",
            ));
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                return Err(AppError::invalid("to", "to may not be before from."));
            }
        }
        Ok(query)
    }

    /// The query as URL pairs (without the empty ones), the inverse of [`TraceQuery::parse`].
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let filter = &self.filter;
        let mut pairs = Vec::new();
        let mut push = |key: &'static str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((key, value));
            }
        };
        push("agent", filter.agent.clone());
        push("intent", filter.intent_prefix.clone());
        push(
            "status",
            filter.status.map(|status| status.as_str().to_owned()),
        );
        push(
            "outcome",
            filter.outcome.map(|outcome| outcome.as_str().to_owned()),
        );
        push("policy", filter.policy_id.clone());
        push(
            "policy_version",
            filter.policy_version.map(|v| v.to_string()),
        );
        push("approver", filter.approver.clone());
        push("from", filter.from.map(|from| from.to_string()));
        push("to", filter.to.map(|to| to.to_string()));
        push("q", filter.q.clone());
        push("cursor", self.cursor.as_ref().map(TraceCursor::encode));
        if self.limit != DEFAULT_PAGE_SIZE {
            push("limit", Some(self.limit.to_string()));
        }
        pairs
    }
}

fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn plain_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        Err(AppError::invalid(
            field,
            format!("{field} may be at most {max} characters, without control characters."),
        ))
    } else {
        Ok(value.to_owned())
    }
}

/// Intents use letters, digits and `. _ - : /`, so a prefix does too.
fn intent_prefix(value: &str) -> Result<String, AppError> {
    let valid = value.len() <= 200
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(AppError::invalid(
            "intent",
            "intent is the start of an intent: letters, digits and . _ - : / only, e.g. billing.",
        ))
    }
}

fn positive(field: &str, value: &str) -> Result<i64, AppError> {
    match value.parse::<i64>() {
        Ok(number) if number >= 1 => Ok(number),
        _ => Err(AppError::invalid(
            field,
            format!("{field} is a whole number from 1."),
        )),
    }
}

const MILLIS_PER_DAY: i64 = 86_400_000;
/// 10000-01-01T00:00:00Z: later times are refused, so arithmetic on a bound never overflows.
const LATEST_MILLIS: i64 = 253_402_300_800_000;

/// Which end of a day a date stands for: `from` a day includes all of it, and so does `to`.
enum DayEdge {
    Start,
    End,
}

/// Unix milliseconds, or a UTC date `YYYY-MM-DD` (what a browser's date field submits).
fn time_bound(field: &str, value: &str, edge: DayEdge) -> Result<i64, AppError> {
    let refused = || {
        AppError::invalid(
            field,
            format!(
                "{field} is a date (YYYY-MM-DD, UTC) or a time in Unix milliseconds, before the \
                 year 10000."
            ),
        )
    };
    if let Ok(number) = value.parse::<i64>() {
        return if (0..=LATEST_MILLIS).contains(&number) {
            Ok(number)
        } else {
            Err(refused())
        };
    }
    let date = time::Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| refused())?;
    let start = date.midnight().assume_utc().unix_timestamp() * 1000;
    match edge {
        DayEdge::Start if start >= 0 => Ok(start),
        DayEdge::End if start >= 0 => Ok(start + MILLIS_PER_DAY),
        _ => Err(refused()),
    }
}

/// A policy version a decision evaluated, as recorded in its snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyUse {
    pub policy_id: String,
    pub version: i64,
    pub hash: String,
}

/// A decision's latest approval request, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceApproval {
    pub status: ApprovalStatus,
    /// Who resolved it (`system` when it expired); `None` while pending.
    pub approver: Option<String>,
}

/// One row of the explorer's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceSummary {
    pub id: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub agent_id: String,
    pub agent_name: String,
    pub intent: String,
    pub automation_mode: AutomationMode,
    pub status: DecisionStatus,
    /// The combined outcome of the latest evaluation: allow, requires_exception or deny.
    pub latest_outcome: Option<String>,
    pub policies_used: Vec<PolicyUse>,
    pub approval: Option<TraceApproval>,
    /// From opening to closing, in milliseconds; `None` while open.
    pub duration_ms: Option<i64>,
}

/// A page of decisions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TracePage {
    pub decisions: Vec<TraceSummary>,
    /// Pass as `cursor` for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One event of a decision's hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceEvent {
    pub event_id: String,
    pub sequence: i64,
    pub kind: String,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A recorded evaluation, read from its `policy_eval` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceEvaluation {
    pub event_id: String,
    pub sequence: i64,
    pub at: i64,
    /// `None` when no bound policy applied and the decision was denied for that reason.
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub hash: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub inputs: Value,
    pub outcome: String,
    pub rationale: String,
    pub decided_by: Option<String>,
    pub matched_rules: Vec<String>,
    pub approval_route: Option<String>,
}

/// An approval request of a decision, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceApprovalRecord {
    pub id: String,
    pub title: String,
    pub message: String,
    pub approval_route: Option<String>,
    pub status: ApprovalStatus,
    pub requested_at: i64,
    pub expires_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub rationale: Option<String>,
}

/// Everything recorded about one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceDetail {
    pub decision: TraceSummary,
    /// On whose behalf the agent acted, as the agent said.
    pub actor: Option<String>,
    /// One screen of events in chain order (see `events_total` and `next_after`).
    pub events: Vec<TraceEvent>,
    /// Every evaluation recorded, whichever screen of events is shown.
    pub evaluations: Vec<TraceEvaluation>,
    pub approvals: Vec<TraceApprovalRecord>,
    /// How many events the decision holds.
    pub events_total: i64,
    /// Pass as `after` for the next screen of events; `None` on the last screen.
    pub next_after: Option<i64>,
}

/// Which screen of a decision's events to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventWindow {
    /// The first screen after this sequence number (0: from the start).
    After(i64),
    /// The newest screen, ending at the chain head: what an approver answers on.
    Latest,
}

impl EventWindow {
    /// Events on one screen of the decision and approval pages and of the API.
    pub const SCREEN: i64 = 100;
}

/// One line of an NDJSON export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TraceExportLine {
    pub decision: TraceSummary,
    pub events: Vec<TraceEvent>,
}

/// How the filtered decisions spread over time, by outcome, and how long their approval
/// requests waited for an answer. Charted over the filter's time range, or the last 14 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceCharts {
    /// The charted window, Unix milliseconds, `from` inclusive and `to` exclusive.
    pub from: i64,
    pub to: i64,
    /// An hour or a day, in milliseconds.
    pub bucket_millis: i64,
    /// Every bucket of the window, oldest first, empty ones included.
    pub volume: Vec<VolumeBucket>,
    /// Answered approval requests by how long they waited, fastest first.
    pub approval_times: Vec<WaitBucket>,
}

/// Decisions opened within one bucket, by combined outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeBucket {
    /// Unix milliseconds.
    pub start: i64,
    pub allow: i64,
    pub requires_exception: i64,
    pub deny: i64,
    pub not_evaluated: i64,
}

impl VolumeBucket {
    pub fn total(&self) -> i64 {
        self.allow + self.requires_exception + self.deny + self.not_evaluated
    }
}

/// Approval requests answered within one span of waiting, e.g. "10 min–1 h".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitBucket {
    pub label: String,
    pub answered: i64,
}

/// Where a stored chain stops matching its recomputation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChainBreak {
    pub sequence: i64,
    pub event_id: String,
    pub reason: String,
}

/// A decision's hash chain recomputed on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Verification {
    pub decision_id: String,
    pub intact: bool,
    pub events: i64,
    pub first_break: Option<ChainBreak>,
}

/// Where a replayed evaluation differs from the recorded one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplayDifference {
    /// outcome, matched_rules, rationale, decided_by, approval_route, hash or policy_version.
    pub field: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub recorded: Value,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub replayed: Value,
}

/// One recorded evaluation re-run with its recorded policy version and inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplayedEvaluation {
    pub event_id: String,
    pub sequence: i64,
    pub policy_id: Option<String>,
    pub version: Option<i64>,
    pub recorded_outcome: String,
    /// `None` when there was nothing to re-run (no policy applied, or the version is missing).
    pub replayed_outcome: Option<String>,
    pub identical: bool,
    pub differences: Vec<ReplayDifference>,
    /// Why nothing was re-run, when nothing was.
    pub note: Option<String>,
}

/// The determinism proof of a decision: every evaluation re-run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplayReport {
    pub decision_id: String,
    /// True when every evaluation replayed identically.
    pub identical: bool,
    pub evaluations: Vec<ReplayedEvaluation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let cursor = TraceCursor {
            created_at: 1_700_000_000_123,
            id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        };
        assert_eq!(TraceCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(TraceCursor::decode("zz"), None);
        assert_eq!(TraceCursor::decode("abc"), None);
    }

    #[test]
    fn query_pairs_parse_into_a_filter_and_back() {
        let pairs = [
            ("agent", "refund-bot"),
            ("intent", "billing."),
            ("status", "committed"),
            ("outcome", "requires_exception"),
            ("policy", "refund_limit"),
            ("policy_version", "2"),
            ("approver", "ana@example.com"),
            ("from", "10"),
            ("to", "20"),
            ("q", "damaged"),
            ("limit", "10"),
        ];

        let query = TraceQuery::parse(pairs).unwrap();

        assert_eq!(query.filter.status, Some(DecisionStatus::Committed));
        assert_eq!(query.filter.outcome, Some(Outcome::RequiresException));
        assert_eq!(query.limit, 10);
        let back: Vec<(String, String)> = query
            .to_pairs()
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect();
        assert_eq!(TraceQuery::parse(back).unwrap(), query);
    }

    #[test]
    fn dates_cover_whole_utc_days() {
        let query = TraceQuery::parse([("from", "2026-11-01"), ("to", "2026-11-01")]).unwrap();

        assert_eq!(query.filter.from, Some(1_793_491_200_000));
        assert_eq!(query.filter.to, Some(1_793_491_200_000 + 86_400_000));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (pairs, field) in [
            (vec![("status", "done")], "status"),
            (vec![("outcome", "maybe")], "outcome"),
            (vec![("limit", "0")], "limit"),
            (vec![("limit", "501")], "limit"),
            (vec![("from", "yesterday")], "from"),
            (vec![("from", "2026-02-30")], "from"),
            (vec![("to", "9223372036854775807")], "to"),
            (vec![("from", "20"), ("to", "10")], "to"),
            (vec![("intent", "bill ing")], "intent"),
            (vec![("policy_version", "2")], "policy_version"),
            (vec![("cursor", "nonsense")], "cursor"),
            (vec![("colour", "red")], "colour"),
            (vec![("q", "a"), ("q", "b")], "q"),
        ] {
            let error = TraceQuery::parse(pairs).unwrap_err();
            assert_eq!(error.field(), Some(field));
        }
    }

    #[test]
    fn empty_values_do_not_filter() {
        let query = TraceQuery::parse([("agent", ""), ("status", " ")]).unwrap();
        assert_eq!(query, TraceQuery::default());
    }
}
