use serde_json::json;

use crate::ssr::db_faults::TakenOnConflict as _;
use crate::{
    error::{AppError, AppResult},
    model::{
        text::{Lines, Text},
        DisplayName, Email, Password, Role, UserSummary,
    },
    ssr::{
        auth::password,
        db::Db,
        ids::new_id,
        now_millis,
        store::{
            self,
            audit::AuditEntry,
            users::{NewUser, UserRow, ACTIVE, DEACTIVATED},
        },
        AppState,
    },
};

/// A person to add, already parsed.
pub struct NewPerson {
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: Password,
}

/// Adds a person; `actor` names who did it in the audit log.
pub async fn create(db: &Db, actor: &str, person: NewPerson) -> AppResult<UserSummary> {
    let password_hash = &password::hash(&person.password).await?;
    let person = &person;
    let row = db
        .write("users.create", |mut tx| async move {
            let row = insert_person(&mut tx, person, password_hash).await?;
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: "user.create",
                    target: &row.id,
                    before: None,
                    after: Some(json!({"email": row.email, "role": row.role})),
                },
                now_millis(),
            )
            .await?;
            tx.commit().await?;
            Ok(row)
        })
        .await?;
    summary(&row)
}

/// Creates the first admin through the one-time setup page; refused once anyone exists.
pub async fn create_first_admin(
    state: &AppState,
    setup_token: &str,
    person: NewPerson,
) -> AppResult<UserSummary> {
    if !state.setup_token.matches(setup_token) {
        return Err(AppError::not_found(
            "This setup link is not valid (any more).",
        ));
    }
    let password_hash = &password::hash(&person.password).await?;
    let admin = &NewPerson {
        role: Role::Admin,
        ..person
    };
    let row = state
        .db
        .write("users.create_first_admin", |mut tx| async move {
            if store::users::count(&mut *tx).await? > 0 {
                return Err(AppError::not_found("Setup is complete: sign in instead."));
            }
            let row = insert_person(&mut tx, admin, password_hash).await?;
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor: "first-run setup",
                    action: "user.create",
                    target: &row.id,
                    before: None,
                    after: Some(json!({"email": row.email, "role": row.role})),
                },
                now_millis(),
            )
            .await?;
            tx.commit().await?;
            Ok(row)
        })
        .await?;
    state.setup_token.retire();
    summary(&row)
}

async fn insert_person(
    tx: &mut sqlx::AnyConnection,
    person: &NewPerson,
    password_hash: &str,
) -> AppResult<UserRow> {
    if store::users::find_by_email(&mut *tx, &person.email)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            "email",
            "Someone with this email already has an account.",
        ));
    }
    let id = new_id();
    store::users::insert(
        &mut *tx,
        NewUser {
            id: &id,
            email: &person.email,
            display_name: person.display_name.as_str(),
            role: person.role,
            password_hash,
            now: now_millis(),
        },
    )
    .await
    .taken("email", "Someone with this email already has an account.")?;
    store::users::find_by_id(&mut *tx, &id)
        .await?
        .ok_or(AppError::Internal)
}

pub async fn list(db: &Db) -> AppResult<Vec<UserSummary>> {
    store::users::list(&db.pool)
        .await?
        .iter()
        .map(summary)
        .collect()
}

pub async fn change_role(
    db: &Db,
    actor: &str,
    user_id: &str,
    role: Role,
) -> AppResult<UserSummary> {
    let after = db
        .write("users.change_role", |mut tx| async move {
            let before = existing(&mut tx, user_id).await?;
            if before.role == Role::Admin.as_str() && role != Role::Admin {
                refuse_losing_last_admin(&mut tx).await?;
            }
            let now = now_millis();
            store::users::set_role(&mut *tx, user_id, role, now).await?;
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: "user.change_role",
                    target: user_id,
                    before: Some(json!({"role": before.role})),
                    after: Some(json!({"role": role})),
                },
                now,
            )
            .await?;
            let after = existing(&mut tx, user_id).await?;
            tx.commit().await?;
            Ok(after)
        })
        .await?;
    summary(&after)
}

pub async fn reset_password(
    db: &Db,
    actor: &str,
    user_id: &str,
    new_password: &Password,
) -> AppResult<()> {
    let password_hash = &password::hash(new_password).await?;
    db.write("users.reset_password", |mut tx| async move {
        existing(&mut tx, user_id).await?;
        let now = now_millis();
        store::users::set_password(&mut *tx, user_id, password_hash, now).await?;
        // A reset answers a lost or leaked password: tokens made with the old one end too.
        let tokens_revoked = store::tokens::revoke_all_of_user(&mut *tx, user_id, now).await?;
        store::audit::record(
            &mut *tx,
            AuditEntry {
                actor,
                action: "user.reset_password",
                target: user_id,
                before: None,
                after: Some(json!({"tokens_revoked": tokens_revoked})),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Deactivates a person: they cannot sign in, and their sessions and tokens stop working.
pub async fn deactivate(db: &Db, actor: &str, user_id: &str) -> AppResult<UserSummary> {
    set_active(db, actor, user_id, false).await
}

pub async fn reactivate(db: &Db, actor: &str, user_id: &str) -> AppResult<UserSummary> {
    set_active(db, actor, user_id, true).await
}

async fn set_active(db: &Db, actor: &str, user_id: &str, active: bool) -> AppResult<UserSummary> {
    let after = db
        .write("users.set_active", |mut tx| async move {
            let before = existing(&mut tx, user_id).await?;
            if !active && before.role == Role::Admin.as_str() && before.is_active() {
                refuse_losing_last_admin(&mut tx).await?;
            }
            let status = if active { ACTIVE } else { DEACTIVATED };
            let now = now_millis();
            store::users::set_status(&mut *tx, user_id, status, now).await?;
            // Tokens end with the deactivation for good: reactivating a person must not bring back
            // credentials they may have left behind; they make new ones.
            let tokens_revoked = if active {
                0
            } else {
                store::tokens::revoke_all_of_user(&mut *tx, user_id, now).await?
            };
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: if active {
                        "user.reactivate"
                    } else {
                        "user.deactivate"
                    },
                    target: user_id,
                    before: Some(json!({"status": before.status})),
                    after: Some(json!({"status": status, "tokens_revoked": tokens_revoked})),
                },
                now,
            )
            .await?;
            let after = existing(&mut tx, user_id).await?;
            tx.commit().await?;
            Ok(after)
        })
        .await?;
    summary(&after)
}

/// Puts a person in a team (or in none), for routes that keep an agent's owner team from
/// approving its own agent's requests.
pub async fn set_team(
    db: &Db,
    actor: &str,
    user_id: &str,
    team: Option<&str>,
) -> AppResult<UserSummary> {
    let team = team
        .map(|team| Text::parse("team", team, 100, Lines::One))
        .transpose()?
        .filter(|team| !team.as_str().is_empty());
    let team = team.as_ref().map(Text::as_str);
    let after = db
        .write("users.set_team", |mut tx| async move {
            let before = existing(&mut tx, user_id).await?;
            let now = now_millis();
            store::users::set_team(&mut *tx, user_id, team, now).await?;
            store::audit::record(
                &mut *tx,
                AuditEntry {
                    actor,
                    action: "user.set_team",
                    target: user_id,
                    before: Some(json!({"team": before.team})),
                    after: Some(json!({"team": team})),
                },
                now,
            )
            .await?;
            let after = existing(&mut tx, user_id).await?;
            tx.commit().await?;
            Ok(after)
        })
        .await?;
    summary(&after)
}

async fn existing(tx: &mut sqlx::AnyConnection, user_id: &str) -> AppResult<UserRow> {
    store::users::find_by_id(&mut *tx, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("No such user."))
}

async fn refuse_losing_last_admin(tx: &mut sqlx::AnyConnection) -> AppResult<()> {
    if store::users::count_active_admins(&mut *tx).await? <= 1 {
        return Err(AppError::conflict(
            "This is the last active admin; make someone else admin first.",
        ));
    }
    Ok(())
}

fn summary(row: &UserRow) -> AppResult<UserSummary> {
    row.summary().ok_or_else(|| {
        tracing::error!(user = %row.id, role = %row.role, "user row has an unknown role");
        AppError::Internal
    })
}
