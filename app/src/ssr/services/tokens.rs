use serde_json::json;

use crate::{
    error::{AppError, AppResult},
    model::{CurrentUser, TokenSummary},
    ssr::{
        auth::tokens::issue_personal_token,
        db::Db,
        ids::new_id,
        now_millis,
        store::{self, audit::AuditEntry, tokens::NewToken},
    },
};

const MAX_EXPIRY_DAYS: i64 = 3650;

/// A token as created: the plaintext is shown once and never stored.
pub struct CreatedToken {
    pub plaintext: String,
    pub summary: TokenSummary,
}

pub fn parse_name(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        Err(AppError::invalid(
            "name",
            "Name the token (1 to 100 characters), e.g. \"CI\".",
        ))
    } else {
        Ok(name.to_owned())
    }
}

pub fn parse_expiry_days(raw: &str) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => Ok(Some(days)),
        _ => Err(AppError::invalid(
            "expires_in_days",
            format!("Enter a whole number of days from 1 to {MAX_EXPIRY_DAYS}, or leave it empty."),
        )),
    }
}

pub async fn create(
    db: &Db,
    owner: &CurrentUser,
    name: &str,
    expires_in_days: Option<i64>,
) -> AppResult<CreatedToken> {
    let issued = issue_personal_token();
    let id = new_id();
    let now = now_millis();
    let expires_at = expires_in_days.map(|days| now + days * 86_400_000);
    let (id, issued) = (&id, &issued);
    db.write("tokens.create", |mut tx| async move {
        store::tokens::insert(
            &mut *tx,
            NewToken {
                id,
                user_id: &owner.id.0,
                name,
                prefix: &issued.prefix,
                digest: &issued.digest,
                now,
                expires_at,
            },
        )
        .await?;
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor: &owner.email,
                action: "token.create",
                target: id,
                before: None,
                after: Some(json!({"name": name, "expires_at": expires_at})),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedToken {
            plaintext: issued.plaintext.clone(),
            summary: TokenSummary {
                id: id.clone(),
                name: name.to_owned(),
                prefix: issued.prefix.clone(),
                created_at: now,
                expires_at,
                last_used_at: None,
                revoked: false,
            },
        })
    })
    .await
}

pub async fn list(db: &Db, owner: &CurrentUser) -> AppResult<Vec<TokenSummary>> {
    Ok(store::tokens::list_for_user(&db.pool, &owner.id.0)
        .await?
        .iter()
        .map(store::tokens::TokenRow::summary)
        .collect())
}

pub async fn revoke(db: &Db, owner: &CurrentUser, token_id: &str) -> AppResult<()> {
    let now = now_millis();
    db.write("tokens.revoke", |mut tx| async move {
        if !store::tokens::revoke(&mut *tx, &owner.id.0, token_id, now).await? {
            return Err(AppError::not_found("No such active token."));
        }
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor: &owner.email,
                action: "token.revoke",
                target: token_id,
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
