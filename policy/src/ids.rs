//! Identifiers that outlive a policy version: audit records and approvals
//! refer to them, so their spelling is restricted to a stable charset.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};

const MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{value}`: use 1 to 128 characters from a-z 0-9 _ . -")]
pub struct InvalidId {
    pub what: &'static str,
    pub value: String,
}

fn check(what: &'static str, value: &str) -> Result<(), InvalidId> {
    let valid = !value.is_empty()
        && value.len() <= MAX_LEN
        && value
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(InvalidId {
            what,
            value: value.to_string(),
        })
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        // Arc<str>: evaluations copy rule names into every explanation, and a
        // reference count is cheaper than a string copy.
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn new(value: &str) -> Result<Self, InvalidId> {
                check($what, value)?;
                Ok($name(Arc::from(value)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::new(&value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A policy's stable id, e.g. `discount_cap`.
    PolicyId,
    "policy id"
);
id_type!(
    /// A rule's name, unique within its policy.
    RuleName,
    "rule name"
);
id_type!(
    /// A data product's stable name, e.g. `customer_profiles`.
    ProductName,
    "product name"
);
id_type!(
    /// An operation's name, unique within its data product, e.g. `refund.create`.
    OperationName,
    "operation name"
);
id_type!(
    /// A purpose a data product may be used for, e.g. `support`.
    PurposeName,
    "purpose"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_charset() {
        assert!(PolicyId::new("billing.discount_cap-v2").is_ok());
        assert!(RuleName::new("over_cap").is_ok());
    }

    #[test]
    fn rejects_others() {
        for bad in ["", "Upper", "with space", "ü", &"a".repeat(129)] {
            assert!(PolicyId::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<RuleName>("\"ok_name\"").is_ok());
        assert!(serde_json::from_str::<RuleName>("\"Not OK\"").is_err());
        let name = RuleName::new("x").ok();
        assert_eq!(serde_json::to_string(&name).ok().as_deref(), Some("\"x\""));
    }
}
