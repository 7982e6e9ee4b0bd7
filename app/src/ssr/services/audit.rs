//! Reading the admin audit log. Entries are written by the services that change things, in the
//! same transaction as the change; nothing here writes.

use serde_json::Value;

use crate::{
    error::AppResult,
    model::{AuditPage, AuditQuery, AuditRecord, TraceCursor, AUDIT_PAGE_SIZE},
    ssr::{
        db::Db,
        store::audit::{self, AuditRow, AuditSlice},
    },
};

pub async fn page(db: &Db, query: &AuditQuery) -> AppResult<AuditPage> {
    let page_size = AUDIT_PAGE_SIZE as usize;
    let mut rows = audit::page(
        &db.pool,
        AuditSlice {
            area: query.area.as_deref(),
            actor: query.actor.as_deref(),
            before: query
                .cursor
                .as_ref()
                .map(|cursor| (cursor.created_at, cursor.id.as_str())),
            // One more than a page tells whether another page follows.
            limit: i64::from(AUDIT_PAGE_SIZE) + 1,
        },
    )
    .await?;
    let next_cursor = if rows.len() > page_size {
        rows.truncate(page_size);
        rows.last().map(|last| {
            TraceCursor {
                created_at: last.at,
                id: last.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(AuditPage {
        entries: rows.into_iter().map(record).collect(),
        next_cursor,
    })
}

fn record(row: AuditRow) -> AuditRecord {
    AuditRecord {
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        before: row.before_json.map(json_or_text),
        after: row.after_json.map(json_or_text),
    }
}

/// Entries are written as JSON; should one not parse, it is still shown, as text.
fn json_or_text(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}
