//! Who is asking: passwords, sessions, personal access tokens, agent keys and the role check.

pub mod agent_key;
pub mod password;
pub mod session;
pub mod tokens;

pub mod personal_token;

pub use session::{require, require_signed_in};
