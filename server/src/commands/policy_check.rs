use std::path::PathBuf;

use verdict_policy::{check, render_diagnostic, Severity};

use super::CommandError;

#[derive(Debug, clap::Args)]
pub struct PolicyCheckArgs {
    /// Policy files to validate, lint and test.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Validates, lints and runs the tests of policy files, printing `file:line:col: message` for
/// each finding; fails when any file has an error or a failing test (warnings do not fail).
pub fn run(args: PolicyCheckArgs) -> Result<(), CommandError> {
    let mut failed_files = 0;
    for path in &args.files {
        let name = path.display().to_string();
        let source = std::fs::read_to_string(path)
            .map_err(|error| CommandError::Usage(format!("{name}: {error}")))?;
        let report = check(&source);
        for diagnostic in &report.diagnostics {
            println!("{}", render_diagnostic(&name, diagnostic));
        }
        for test in report.tests.iter().filter(|test| !test.passed) {
            println!(
                "{name}: test \"{}\" failed: {}",
                test.name,
                test.message.as_deref().unwrap_or("unexpected outcome")
            );
        }
        let errors = report
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
            .count();
        let passed = report.tests.iter().filter(|test| test.passed).count();
        println!(
            "{name}: {}, {errors} error(s), {passed}/{} test(s) passed",
            if report.ok { "ok" } else { "FAILED" },
            report.tests.len()
        );
        if !report.ok {
            failed_files += 1;
        }
    }
    if failed_files == 0 {
        Ok(())
    } else {
        Err(CommandError::Usage(format!(
            "{failed_files} policy file(s) failed the check"
        )))
    }
}
