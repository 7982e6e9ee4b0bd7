//! Types shared by the browser and the server.

mod role;
mod time_format;
mod user;

pub use role::{Permission, Role};
pub use time_format::{format_relative, format_utc};
pub use user::{CurrentUser, DisplayName, Email, Password, TokenSummary, UserId, UserSummary};
