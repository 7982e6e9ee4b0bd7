//! The admin audit log as people read it: who did what to which record, when, and the record
//! before and after.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AppError;

use super::TraceCursor;

/// Entries per page of the audit log.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The kinds of admin action, by the first word of their name (`agent.freeze` is an agent action,
/// and so is `agents.freeze_all`, which acts on every agent at once).
/// Data products are the `product` area (`product.apply`, `product.archive`); granting an agent a
/// product's operations is an agent action (`agent.grant`, `agent.revoke_grant`).
pub const AUDIT_AREAS: &[&str] = &["agent", "policy", "product", "route", "token", "user"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    /// Unix milliseconds.
    pub at: i64,
    /// The email of the person who acted.
    pub actor: String,
    /// e.g. `agent.freeze`, `policy.publish`, `user.change_role`.
    pub action: String,
    /// What was acted on: an agent's name, a policy id, a person's email.
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    /// Pass as `cursor` for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Which entries to show, read from the audit page's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// One of `AUDIT_AREAS`.
    pub area: Option<String>,
    /// The acting person's email, exactly.
    pub actor: Option<String>,
    pub cursor: Option<TraceCursor>,
}

impl AuditQuery {
    /// Validates URL query pairs; an empty value counts as absent, anything unknown is refused
    /// naming the parameter.
    pub fn parse<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, AppError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = Self::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref().trim());
            if value.is_empty() {
                continue;
            }
            match key {
                "area" if AUDIT_AREAS.contains(&value) => query.area = Some(value.to_owned()),
                "area" => {
                    return Err(AppError::invalid(
                        key,
                        format!("area is one of {}.", AUDIT_AREAS.join(", ")),
                    ))
                }
                "actor"
                    if value.len() <= 254
                        && super::text::is_clean(value, 254, super::text::Lines::One) =>
                {
                    query.actor = Some(value.to_owned())
                }
                "actor" => {
                    return Err(AppError::invalid(
                        key,
                        "actor is an email of at most 254 characters.",
                    ))
                }
                "cursor" => {
                    query.cursor = Some(TraceCursor::decode(value).ok_or_else(|| {
                        AppError::invalid(key, "This cursor is not one a page answered.")
                    })?)
                }
                _ => {
                    return Err(AppError::invalid(
                        key,
                        format!("Unknown parameter {key}; the filters are area and actor."),
                    ))
                }
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_filters_and_refuses_what_it_does_not_know() {
        let query = AuditQuery::parse([("area", "agent"), ("actor", "ada@example.com")]).unwrap();
        let products = AuditQuery::parse([("area", "product")]).unwrap();
        assert_eq!(products.area.as_deref(), Some("product"));
        assert_eq!(query.area.as_deref(), Some("agent"));
        assert_eq!(query.actor.as_deref(), Some("ada@example.com"));

        for (pairs, field) in [
            (vec![("area", "everything")], "area"),
            (vec![("cursor", "zz")], "cursor"),
            (vec![("colour", "red")], "colour"),
        ] {
            assert_eq!(AuditQuery::parse(pairs).unwrap_err().field(), Some(field));
        }
    }
}
