//! The trace explorer's filter, parsed from and written back to URL query pairs (so a view can
//! be shared as a link), and its keyset cursor. What the pages show is in `trace_views.rs`.

use serde::{Deserialize, Serialize};
use verdict_policy::Outcome;

use crate::error::AppError;

use super::{decision::DecisionStatus, product_use::RiskTier};

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
    /// Decisions that read or wrote this data product, recorded or refused.
    pub product: Option<String>,
    /// Decisions whose purpose (fixed by their first catalogued read) is this.
    pub purpose: Option<String>,
    /// Decisions whose risk tier (the highest of the catalogued operations they used) is this.
    pub risk_tier: Option<RiskTier>,
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
    "product",
    "purpose",
    "risk_tier",
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
                "product" => filter.product = Some(plain_text(key, value, 200)?),
                "purpose" => filter.purpose = Some(plain_text(key, value, 200)?),
                "risk_tier" => {
                    filter.risk_tier = Some(value.parse::<RiskTier>().map_err(|_| {
                        AppError::invalid(
                            key,
                            format!("risk_tier is one of {}.", names(RiskTier::ALL)),
                        )
                    })?)
                }
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
        push("product", filter.product.clone());
        push("purpose", filter.purpose.clone());
        push(
            "risk_tier",
            filter.risk_tier.map(|tier| tier.as_str().to_owned()),
        );
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
    if !super::text::is_clean(value, max, super::text::Lines::One) {
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
            ("product", "customer_profiles"),
            ("purpose", "support"),
            ("risk_tier", "network"),
            ("from", "10"),
            ("to", "20"),
            ("q", "damaged"),
            ("limit", "10"),
        ];

        let query = TraceQuery::parse(pairs).unwrap();

        assert_eq!(query.filter.status, Some(DecisionStatus::Committed));
        assert_eq!(query.filter.outcome, Some(Outcome::RequiresException));
        assert_eq!(query.filter.risk_tier, Some(RiskTier::Network));
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
            (vec![("risk_tier", "risky")], "risk_tier"),
            (vec![("product", "a\u{7}b")], "product"),
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
