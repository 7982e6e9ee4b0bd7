use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

use crate::error::AppError;

/// A person's single role. What each may do is decided here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Author,
    Approver,
    Viewer,
}

/// The things a role may or may not do; every server function asks for exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read any page and any record.
    Read,
    /// Write, publish and archive policies.
    AuthorPolicies,
    /// Resolve approval requests.
    Approve,
    /// Manage people, agents, keys, bindings and freezes.
    Administer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Author, Role::Approver, Role::Viewer];

    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::AuthorPolicies => matches!(self, Role::Admin | Role::Author),
            Permission::Approve => matches!(self, Role::Admin | Role::Approver),
            Permission::Administer => self == Role::Admin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Author => "author",
            Role::Approver => "approver",
            Role::Viewer => "viewer",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "everything, including people and agents",
            Role::Author => "writes and publishes policies",
            Role::Approver => "works the approval inbox",
            Role::Viewer => "reads everything, changes nothing",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AppError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or_else(|| {
                AppError::invalid(
                    "role",
                    "Role must be one of admin, author, approver, viewer.",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_administer_and_everyone_reads() {
        for role in Role::ALL {
            assert!(role.allows(Permission::Read));
            assert_eq!(role.allows(Permission::Administer), role == Role::Admin);
        }
        assert!(Role::Author.allows(Permission::AuthorPolicies));
        assert!(!Role::Approver.allows(Permission::AuthorPolicies));
        assert!(Role::Approver.allows(Permission::Approve));
        assert!(!Role::Viewer.allows(Permission::Approve));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("root".parse::<Role>().unwrap_err().field(), Some("role"));
    }
}
