//! Running a policy's own `tests:` section.

use serde::{Deserialize, Serialize};

use crate::ids::RuleName;
use crate::model::{Policy, TestCase};
use crate::outcome::Outcome;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    pub expected: Outcome,
    pub actual: Outcome,
    /// `expect_rules`, when the test states it.
    pub expected_rules: Option<Vec<RuleName>>,
    /// The rules that matched, in document order.
    pub actual_rules: Vec<RuleName>,
    /// Why the test failed; `None` when it passed.
    pub message: Option<String>,
}

impl Policy {
    /// Runs every test case of the policy, in document order.
    pub fn run_tests(&self) -> Vec<TestResult> {
        self.tests.iter().map(|case| self.run_test(case)).collect()
    }

    fn run_test(&self, case: &TestCase) -> TestResult {
        let evaluation = self.evaluate_map(&case.inputs);
        let mut problems = Vec::new();
        if evaluation.outcome != case.expect {
            problems.push(format!(
                "expected {}, got {} ({})",
                case.expect, evaluation.outcome, evaluation.rationale
            ));
        }
        if let Some(expected) = &case.expect_rules {
            // Compared as sets: the order rules are listed in is not a claim.
            let mut want: Vec<&RuleName> = expected.iter().collect();
            let mut got: Vec<&RuleName> = evaluation.matched_rules.iter().collect();
            want.sort();
            want.dedup();
            got.sort();
            if want != got {
                problems.push(format!(
                    "expected rules [{}] to match, matched [{}]",
                    join(expected),
                    join(&evaluation.matched_rules)
                ));
            }
        }
        TestResult {
            name: case.name.clone(),
            passed: problems.is_empty(),
            expected: case.expect,
            actual: evaluation.outcome,
            expected_rules: case.expect_rules.clone(),
            actual_rules: evaluation.matched_rules,
            message: (!problems.is_empty()).then(|| problems.join("; ")),
        }
    }
}

fn join(names: &[RuleName]) -> String {
    names
        .iter()
        .map(RuleName::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
