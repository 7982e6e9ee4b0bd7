use sqlx::{Any, Executor};

use crate::model::{Email, Role, UserId, UserSummary};

from_row! {
    #[derive(Debug, Clone)]
    pub struct UserRow {
        pub id: String,
        pub email: String,
        pub display_name: String,
        pub role: String,
        pub password_hash: String,
        pub status: String,
        pub session_epoch: i64,
        pub created_at: i64,
        /// The team the person works in, for routes that keep an agent's owner team from
        /// approving its requests.
        pub team: Option<String>,
    }
}

pub const ACTIVE: &str = "active";
pub const DEACTIVATED: &str = "deactivated";

impl UserRow {
    pub fn is_active(&self) -> bool {
        self.status == ACTIVE
    }

    /// Roles are constrained by the schema, so an unknown one means a damaged row: refuse it.
    pub fn role(&self) -> Option<Role> {
        self.role.parse().ok()
    }

    pub fn summary(&self) -> Option<UserSummary> {
        Some(UserSummary {
            id: UserId(self.id.clone()),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role()?,
            active: self.is_active(),
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str =
    "id, email, display_name, role, password_hash, status, session_epoch, created_at, team";

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a Email,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub now: i64,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    user: NewUser<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, role, password_hash, status, session_epoch, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'active', 0, $6, $6)",
    )
    .bind(user.id)
    .bind(user.email.as_str())
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(user.now)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn find_by_email<'e>(
    db: impl Executor<'e, Database = Any>,
    email: &Email,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(db)
        .await
}

pub async fn find_by_id<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users ORDER BY status, lower(display_name), email"
    ))
    .fetch_all(db)
    .await
}

pub async fn count<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await
}

pub async fn count_active_admins<'e>(db: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'")
        .fetch_one(db)
        .await
}

pub async fn set_role<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    role: Role,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Sets a new password and ends every session the person had.
pub async fn set_password<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Changes the status and ends every session the person had.
pub async fn set_status<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    status: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET status = $1, session_epoch = session_epoch + 1, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn set_team<'e>(
    db: impl Executor<'e, Database = Any>,
    id: &str,
    team: Option<&str>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("UPDATE users SET team = $1, updated_at = $2 WHERE id = $3")
        .bind(team)
        .bind(now)
        .bind(id)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
}
