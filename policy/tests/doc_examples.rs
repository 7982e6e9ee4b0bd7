//! Runs every YAML example of docs/policy-language.md.
//!
//! ```yaml            a valid policy: it parses and its `tests:` all pass
//! ```yaml invalid C  parsing fails with an error of code C
//! ```yaml lint C     valid, tests pass, and linting warns with code C

use verdict_policy::{Policy, Severity};

struct Example {
    line: usize,
    info: String,
    source: String,
}

fn examples(markdown: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut open: Option<Example> = None;
    for (index, line) in markdown.lines().enumerate() {
        match open.take() {
            Some(example) if line.trim_start() == "```" => examples.push(example),
            Some(mut example) => {
                example.source.push_str(line);
                example.source.push('\n');
                open = Some(example);
            }
            None => {
                if let Some(info) = line.trim_start().strip_prefix("```yaml") {
                    open = Some(Example {
                        line: index + 1,
                        info: info.trim().to_string(),
                        source: String::new(),
                    });
                }
            }
        }
    }
    assert!(open.is_none(), "unterminated code block");
    examples
}

fn code_name(code: verdict_policy::Code) -> String {
    code.to_string()
}

#[test]
fn every_yaml_example_in_the_language_doc_behaves_as_marked() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/policy-language.md");
    let markdown = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let examples = examples(&markdown);
    assert!(
        examples.len() >= 8,
        "found only {} examples",
        examples.len()
    );
    for example in &examples {
        let at = format!("example at docs/policy-language.md:{}", example.line);
        let mut words = example.info.split_whitespace();
        let (kind, code) = (words.next(), words.next());
        match (kind, Policy::parse(&example.source)) {
            (Some("invalid"), Err(errors)) => {
                let code = code.unwrap_or_else(|| panic!("{at}: `invalid` needs a code"));
                assert!(
                    errors.iter().any(|e| code_name(e.code) == code),
                    "{at}: expected a {code} error, got {errors:#?}"
                );
            }
            (Some("invalid"), Ok(_)) => panic!("{at}: expected it not to parse"),
            (_, Err(errors)) => panic!("{at}: does not parse: {errors:#?}"),
            (kind, Ok(policy)) => {
                let results = policy.run_tests();
                assert!(!results.is_empty(), "{at}: has no tests");
                for result in &results {
                    assert!(result.passed, "{at}: test failed: {result:#?}");
                }
                let warnings = policy.lint();
                assert!(warnings.iter().all(|w| w.severity == Severity::Warning));
                match kind {
                    Some("lint") => {
                        let code = code.unwrap_or_else(|| panic!("{at}: `lint` needs a code"));
                        assert!(
                            warnings.iter().any(|w| code_name(w.code) == code),
                            "{at}: expected a {code} warning, got {warnings:#?}"
                        );
                    }
                    None => assert!(
                        warnings.is_empty(),
                        "{at}: unexpected warnings {warnings:#?}"
                    ),
                    Some(other) => panic!("{at}: unknown marker `{other}`"),
                }
            }
        }
    }
}
