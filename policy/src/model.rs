//! A parsed, valid policy. Fields are private: a `Policy` can only come from
//! [`Policy::parse`], so holding one means it passed validation.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::condition::Condition;
use crate::ids::{PolicyId, ProductName, RuleName};
use crate::outcome::{Combine, Outcome};
use crate::template::Template;
use crate::yaml::Pos;

/// The declared type of an input, which decides how it is checked and how
/// it is bound in CEL (see the language doc: `number` binds as a CEL
/// `double`, `integer` as an exact `int`, or `uint` above `i64::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    String,
    Number,
    Integer,
    Boolean,
    List,
    Object,
}

impl InputType {
    const ALL: [InputType; 6] = [
        InputType::String,
        InputType::Number,
        InputType::Integer,
        InputType::Boolean,
        InputType::List,
        InputType::Object,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InputType::String => "string",
            InputType::Number => "number",
            InputType::Integer => "integer",
            InputType::Boolean => "boolean",
            InputType::List => "list",
            InputType::Object => "object",
        }
    }

    /// Whether an `enum` of allowed values makes sense for this type.
    pub fn supports_enum(self) -> bool {
        matches!(
            self,
            InputType::String | InputType::Number | InputType::Integer
        )
    }
}

impl fmt::Display for InputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown input type `{0}` (expected string, number, integer, boolean, list or object)")]
pub struct UnknownInputType(pub String);

impl FromStr for InputType {
    type Err = UnknownInputType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InputType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownInputType(s.to_string()))
    }
}

/// The longest `unit` an input may declare, in characters: a unit is a short
/// label such as `EUR`, `records` or `%`, not a sentence.
pub const MAX_UNIT_LENGTH: usize = 32;

/// One declared input.
#[derive(Debug)]
pub struct InputSpec {
    pub(crate) name: String,
    pub(crate) input_type: InputType,
    pub(crate) required: bool,
    pub(crate) allowed: Option<Vec<Value>>,
    /// Declared `max_items` (lists and objects); `None` when undeclared.
    pub(crate) max_items: Option<u64>,
    /// Declared `max_length` (strings, and the strings inside lists and
    /// objects); `None` when undeclared.
    pub(crate) max_length: Option<u64>,
    /// Declared `description`: what the input means, for people reading it.
    pub(crate) description: Option<String>,
    /// Declared `unit` its values are in, e.g. `EUR` or `records`.
    pub(crate) unit: Option<String>,
    pub(crate) pos: Pos,
}

impl InputSpec {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn input_type(&self) -> InputType {
        self.input_type
    }

    pub fn required(&self) -> bool {
        self.required
    }

    /// The `enum` of allowed values, if any.
    pub fn allowed_values(&self) -> Option<&[Value]> {
        self.allowed.as_deref()
    }

    /// The most items a list or object input may hold, counted at every
    /// depth: declared, or [`crate::DEFAULT_MAX_ITEMS`].
    pub fn max_items(&self) -> u64 {
        self.max_items.unwrap_or(crate::cost::DEFAULT_MAX_ITEMS)
    }

    /// The longest string (in characters) the input may be or hold:
    /// declared, or [`crate::DEFAULT_MAX_LENGTH`].
    pub fn max_length(&self) -> u64 {
        self.max_length.unwrap_or(crate::cost::DEFAULT_MAX_LENGTH)
    }

    /// The `description` as written: what the input means, for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The `unit` its values are in, e.g. `EUR`, `records` or `%`: one line
    /// of at most [`crate::MAX_UNIT_LENGTH`] characters.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
}

/// One rule.
#[derive(Debug)]
pub struct Rule {
    pub(crate) name: RuleName,
    pub(crate) outcome: Outcome,
    pub(crate) approval_route: Option<String>,
    pub(crate) rationale: Option<Template>,
    pub(crate) condition: Condition,
    /// `condition.describe()`, computed once: every explanation carries it.
    pub(crate) condition_text: Arc<str>,
    /// The condition's worst-case cost at the inputs' bounds.
    pub(crate) cost: u64,
    pub(crate) pos: Pos,
}

impl Rule {
    pub fn name(&self) -> &RuleName {
        &self.name
    }

    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    pub fn approval_route(&self) -> Option<&str> {
        self.approval_route.as_deref()
    }

    /// The rationale template as written, e.g. `discount {{d}} exceeds the cap`.
    pub fn rationale(&self) -> Option<&str> {
        self.rationale.as_ref().map(Template::source)
    }

    /// The condition in canonical one-line form, e.g. `all(a > 1, b == 'x')`.
    pub fn condition(&self) -> &str {
        &self.condition_text
    }

    /// The condition's worst-case cost with every input at its bounds, in
    /// the units of [`crate::MAX_RULE_COST`].
    pub fn worst_case_cost(&self) -> u64 {
        self.cost
    }
}

/// One case of the policy's `tests:` section.
#[derive(Debug)]
pub struct TestCase {
    pub(crate) name: String,
    pub(crate) inputs: Map<String, Value>,
    pub(crate) expect: Outcome,
    pub(crate) expect_rules: Option<Vec<RuleName>>,
}

impl TestCase {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn inputs(&self) -> &Map<String, Value> {
        &self.inputs
    }

    pub fn expect(&self) -> Outcome {
        self.expect
    }

    pub fn expect_rules(&self) -> Option<&[RuleName]> {
        self.expect_rules.as_deref()
    }
}

/// A compiled policy: validated, with every expression compiled. It is
/// `Send + Sync`, so servers can share one behind an `Arc`.
#[derive(Debug)]
pub struct Policy {
    pub(crate) id: PolicyId,
    pub(crate) description: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) intents: Option<Vec<String>>,
    /// `scope.products`; empty when the policy names none.
    pub(crate) products: Vec<ProductName>,
    pub(crate) inputs: Vec<InputSpec>,
    pub(crate) combine: Combine,
    pub(crate) default: Outcome,
    /// Evaluated only together with the exact action the agent is about to take
    /// (`requires_action: true`); the server refuses an evaluation without one.
    pub(crate) requires_action: bool,
    pub(crate) rules: Vec<Rule>,
    pub(crate) tests: Vec<TestCase>,
    pub(crate) content_hash: String,
}

impl Policy {
    pub fn id(&self) -> &PolicyId {
        &self.id
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// Whether the policy may only be evaluated with an action (`requires_action: true`).
    pub fn requires_action(&self) -> bool {
        self.requires_action
    }

    /// The `scope.intents` globs; `None` when the policy applies to every
    /// intent.
    pub fn intents(&self) -> Option<&[String]> {
        self.intents.as_deref()
    }

    /// The `scope.products`: data products this policy governs whatever
    /// agents it is bound to (a product-level policy). Empty when it names
    /// none, and then it applies only where it is bound.
    pub fn products(&self) -> &[ProductName] {
        &self.products
    }

    pub fn inputs(&self) -> &[InputSpec] {
        &self.inputs
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn tests(&self) -> &[TestCase] {
        &self.tests
    }

    pub fn combine(&self) -> Combine {
        self.combine
    }

    /// The outcome when no rule matches.
    pub fn default_outcome(&self) -> Outcome {
        self.default
    }

    /// [`crate::content_hash`] of the source this policy was parsed from.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// Whether the policy governs decisions with this intent: true when the
    /// policy has no `scope.intents`, or one of its globs matches.
    pub fn applies_to_intent(&self, intent: &str) -> bool {
        self.intents
            .as_ref()
            .is_none_or(|globs| globs.iter().any(|g| crate::glob::matches(g, intent)))
    }

    /// Whether `scope.products` names the data product `name`: if so, the
    /// policy governs every decision that reads or writes that product,
    /// whatever agents it is bound to, as far as [`Policy::applies_to_intent`]
    /// also holds (both scopes filter). False for a policy without
    /// `scope.products`, which applies only through its bindings (as it also
    /// does when it has them).
    pub fn applies_to_product(&self, name: &str) -> bool {
        self.products.iter().any(|p| p.as_str() == name)
    }
}
