//! Types shared by the browser and the server.

mod policy;
mod role;
mod time_format;
mod user;

pub use policy::{
    DiffKind, DiffLine, PolicyDraft, PolicyStatus, PolicySummary, PolicyVersion,
    PolicyVersionSummary,
};
pub use role::{Permission, Role};
pub use time_format::{format_relative, format_utc};
pub use user::{CurrentUser, DisplayName, Email, Password, TokenSummary, UserId, UserSummary};
