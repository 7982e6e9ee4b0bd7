//! What a policy decides, and how rule decisions combine.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A decision. Ordered by strictness: `Allow < RequiresException < Deny`, so
/// `max` is the strictest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Allow,
    RequiresException,
    Deny,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Allow, Outcome::RequiresException, Outcome::Deny];

    /// The stricter of two outcomes.
    pub fn strictest(self, other: Outcome) -> Outcome {
        self.max(other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::RequiresException => "requires_exception",
            Outcome::Deny => "deny",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome `{0}` (expected allow, deny or requires_exception)")]
pub struct UnknownOutcome(pub String);

impl FromStr for Outcome {
    type Err = UnknownOutcome;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownOutcome(s.to_string()))
    }
}

/// How the outcomes of matching rules combine into the policy's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Every rule is evaluated; the strictest matching outcome wins.
    #[default]
    Strictest,
    /// Rules are tried in document order; the first that matches decides and
    /// the rest are skipped.
    FirstMatch,
}

impl Combine {
    pub fn as_str(self) -> &'static str {
        match self {
            Combine::Strictest => "strictest",
            Combine::FirstMatch => "first_match",
        }
    }
}

impl fmt::Display for Combine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown combine `{0}` (expected strictest or first_match)")]
pub struct UnknownCombine(pub String);

impl FromStr for Combine {
    type Err = UnknownCombine;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Combine::Strictest, Combine::FirstMatch]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCombine(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictness_order() {
        assert_eq!(Outcome::Allow.strictest(Outcome::Deny), Outcome::Deny);
        assert_eq!(
            Outcome::RequiresException.strictest(Outcome::Allow),
            Outcome::RequiresException
        );
        assert!(Outcome::Deny > Outcome::RequiresException);
    }

    #[test]
    fn outcome_round_trips_through_text_and_serde() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>(), Ok(o));
            let json = serde_json::to_string(&o).unwrap_or_default();
            assert_eq!(json, format!("\"{o}\""));
        }
        assert!("maybe".parse::<Outcome>().is_err());
    }

    #[test]
    fn combine_parses() {
        assert_eq!("first_match".parse(), Ok(Combine::FirstMatch));
        assert!("loosest".parse::<Combine>().is_err());
    }
}
