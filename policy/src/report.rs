//! One-call reports for `verdict policy check` and the editor's preview.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Severity};
use crate::evaluate::Evaluation;
use crate::model::Policy;
use crate::tests_runner::TestResult;

/// What `verdict policy check FILE` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// No errors and every test passed (warnings are allowed).
    pub ok: bool,
    /// Errors, or for a valid policy its lint warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Empty when the policy does not parse.
    pub tests: Vec<TestResult>,
}

/// What the editor's live preview shows for a draft and a sample context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DryRunReport {
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the policy does not parse.
    pub evaluation: Option<Evaluation>,
    pub tests: Vec<TestResult>,
}

/// Parses, lints and tests a policy source.
pub fn check(source: &str) -> CheckReport {
    match Policy::parse(source) {
        Ok(policy) => {
            let diagnostics = policy.lint();
            let tests = policy.run_tests();
            CheckReport {
                ok: tests.iter().all(|t| t.passed)
                    && diagnostics.iter().all(|d| d.severity != Severity::Error),
                diagnostics,
                tests,
            }
        }
        Err(diagnostics) => CheckReport {
            ok: false,
            diagnostics,
            tests: Vec::new(),
        },
    }
}

/// Like [`check`], and also evaluates the draft against `context` (the
/// inputs object an agent would send).
pub fn dry_run(source: &str, context: &Value) -> DryRunReport {
    match Policy::parse(source) {
        Ok(policy) => DryRunReport {
            diagnostics: policy.lint(),
            evaluation: Some(policy.evaluate(context)),
            tests: policy.run_tests(),
        },
        Err(diagnostics) => DryRunReport {
            diagnostics,
            evaluation: None,
            tests: Vec::new(),
        },
    }
}
